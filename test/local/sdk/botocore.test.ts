import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import config from '../../../ballast.config.ts';

/**
 * The operations Ballast uses, through botocore (boto3) against a whole running LocalCloud with Ballast
 * deployed: another SDK's serializers and parsers must read the same answers as SDK v3's. Skipped (reported
 * skipped, never passed) where python3 or boto3 is missing.
 */
const pythonWithBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
const script = fileURLToPath(new URL('./python/drive_operations.py', import.meta.url));

describe('a running LocalCloud driven by boto3', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    cloud = await LocalCloud.start({ config, seed: 16, withBallast: true, rateLimits: false });
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it.skipIf(!pythonWithBoto3)(
    'parses ECS, Auto Scaling, Application Auto Scaling, Route 53, CloudWatch, Step Functions, EventBridge and DynamoDB answers',
    async () => {
      const web = cloud.world.region('us-east-1').ecs.cluster('web')!;
      const instance = [...web.instances.values()][1]!;
      const env = { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
      const { stdout } = await promisify(execFile)('python3', [script, cloud.endpoint.url, instance.ec2InstanceId], {
        env,
      });
      const out = JSON.parse(stdout) as Record<string, unknown>;
      const tables = cloud.stacks.find((s) => s.region === 'us-east-1')!.tableNames;

      expect(out.containerInstances).toEqual([instance.arn]);
      expect(out.ecsError).toEqual({ code: 'ClusterNotFoundException', message: 'Cluster not found.', status: 400 });
      expect(out.groups).toEqual([
        {
          name: 'web-hosts',
          desired: 3,
          instances: 3,
          created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/),
          tags: ['Name', 'ballast:cluster', 'ballast:managed'],
        },
        expect.objectContaining({ name: 'worker-hosts', desired: 3, instances: 3 }),
      ]);
      expect(out.targets).toEqual([
        ['service/web/api', 4, 40],
        ['service/web/frontend', 2, 20],
        ['service/workers/jobs', 1, 10],
      ]);
      expect(out.targetCreated).toMatch(/\+00:00$/);
      expect(out.records).toEqual([
        ['example.com.', 'NS', null, null],
        ['example.com.', 'SOA', null, null],
        ['api.example.com.', 'CNAME', 'us-east-1', 255],
      ]);
      expect(out.recordsNext).toEqual([true, 'api.example.com.', 'us-west-2']);
      expect(out.alarms).toEqual([
        ['AWS/ECS', 'CPUUtilization', 'GreaterThanThreshold', 'UTC'],
        ['AWS/ECS', 'CPUUtilization', 'LessThanThreshold', 'UTC'],
      ]);
      expect((out.stateMachines as string[][]).sort()).toEqual([
        ['ballast-drain-host', 'STANDARD'],
        ['ballast-emergency-scale', 'STANDARD'],
        ['ballast-region-failover', 'STANDARD'],
        ['ballast-restore-scaling', 'STANDARD'],
      ]);
      expect(out.putEvents).toEqual({
        failed: 1,
        entries: [['EventId'], ['ErrorCode', 'ErrorMessage']],
        error: 'InvalidArgument',
      });
      expect(tables.length).toBeGreaterThan(0);
      expect(out.tables).toEqual(expect.arrayContaining(tables));
    },
  );
});
