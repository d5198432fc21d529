import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import config from '../../../ballast.config.ts';
import { failure } from './helpers.ts';

/**
 * Elastic Load Balancing v2 (awsQuery) through the SDK v3 client. The delays and health the answers carry
 * come from the world's own target groups: the fleet description sets them, and a test changes one behind
 * Ballast's back to show the API reports the world, not the configuration.
 */
describe('Elastic Load Balancing through the SDK v3 client', () => {
  let cloud: LocalCloud;
  let elb: ElasticLoadBalancingV2Client;

  beforeAll(async () => {
    cloud = await LocalCloud.start({ config, seed: 5, withBallast: false, rateLimits: false });
    elb = new ElasticLoadBalancingV2Client({ ...cloud.clientConfig('us-east-1'), maxAttempts: 1 });
  });
  afterAll(async () => {
    elb?.destroy();
    await cloud?.stop();
  });

  it('DescribeTargetGroups finds groups by name and refuses an unknown one', async () => {
    const out = await elb.send(new DescribeTargetGroupsCommand({ Names: ['api-tg'] }));
    const error = await failure(elb.send(new DescribeTargetGroupsCommand({ Names: ['no-such-tg'] })));

    expect(out.TargetGroups).toHaveLength(1);
    expect(out.TargetGroups![0]).toMatchObject({
      TargetGroupName: 'api-tg',
      TargetGroupArn: expect.stringMatching(
        /^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\/api-tg\//,
      ),
      HealthCheckIntervalSeconds: 10,
      HealthyThresholdCount: 2,
    });
    expect(error).toMatchObject({ name: 'TargetGroupNotFoundException' });
  });

  it('DescribeTargetGroupAttributes reports the deregistration delay the world has, not the one configured', async () => {
    const group = cloud.world.region('us-east-1').elb.targetGroup('frontend-tg')!;
    group.deregistrationDelaySeconds = 120; // changed in AWS behind Ballast's configuration (30 s)

    const out = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: group.arn }));

    expect(out.Attributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '120' });
  });

  it('DescribeTargetHealth lists each task as its instance and host port, healthy once running', async () => {
    const rw = cloud.world.region('us-east-1');
    const group = rw.elb.targetGroup('api-tg')!;
    const service = rw.ecs.getService('web', 'api')!;

    const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: group.arn }));

    const tasks = [...service.tasks];
    expect(out.TargetHealthDescriptions).toHaveLength(tasks.length);
    for (const task of tasks) {
      expect(out.TargetHealthDescriptions).toContainEqual(
        expect.objectContaining({
          Target: { Id: task.ec2InstanceId, Port: task.hostPort },
          TargetHealth: { State: 'healthy' },
        }),
      );
    }
  });

  it('DescribeTargetHealth shows a stopping task as draining', async () => {
    const rw = cloud.world.region('us-east-1');
    const group = rw.elb.targetGroup('api-tg')!;
    const task = [...rw.ecs.getService('web', 'api')!.tasks][0]!;
    rw.ecs.stopTask(task, 'UserInitiated', 'test');

    const out = await elb.send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: group.arn,
        Targets: [{ Id: task.ec2InstanceId, Port: task.hostPort }],
      }),
    );

    expect(out.TargetHealthDescriptions).toEqual([
      expect.objectContaining({
        TargetHealth: expect.objectContaining({ State: 'draining', Reason: 'Target.DeregistrationInProgress' }),
      }),
    ]);
  });
});
