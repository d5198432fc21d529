import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import type { DeployedStack } from '#local/deploy/deployer.ts';
import { iamAuthorizer } from '#test/support/iam-authorizer.ts';
import example from '../../ballast.config.ts';

/**
 * Issue 10, defect 11: the ledger is retained (with deletion protection) when its stack is destroyed, and
 * its name is fixed, so a deploy after `cdk destroy` met a table of that name and failed. The local cloud's
 * deployer used to swallow "already exists", agreeing with Ballast by construction; it now fails the create
 * as CloudFormation does, unless the deploy imports existing resources, or Ballast adopts the table.
 */
const REGION = 'us-east-1';
const MINUTE = 60_000;
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

/** The capacity history items of one service in the ledger (written by emergency scaling's sampler). */
async function historyOf(c: LocalCloud, service: string): Promise<number> {
  const dynamo = new DynamoDBClient(c.clientConfig(REGION));
  const out = await dynamo.send(
    new QueryCommand({
      TableName: 'ballast-ledger',
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: `HISTORY#${REGION}#web/${service}` } },
    }),
  );
  return out.Count ?? 0;
}

describe('a deploy after cdk destroy, with the ledger retained (issue 10, defect 11)', () => {
  it('fails on the retained table, then adopts it: its history is kept and a drain runs, with IAM enforced', async () => {
    // Arrange: Ballast ran for a while (the ledger holds capacity history), then its stacks were destroyed.
    const holder: { stacks: DeployedStack[] } = { stacks: [] };
    cloud = await LocalCloud.start({ config: example, seed: 21, withBallast: true, authorize: iamAuthorizer(holder) });
    const c = cloud;
    holder.stacks = c.stacks;
    await c.runFor(10 * MINUTE);
    const before = await historyOf(c, 'api');
    expect(before).toBeGreaterThan(0);
    await c.destroy();
    expect(c.stacks).toHaveLength(0);

    // Act & Assert: a plain deploy fails as CloudFormation's would, naming the table ...
    await expect(c.deploy()).rejects.toThrow(/'ballast-ledger' already exists/);
    // ... and with the retained table adopted in both regions, it succeeds.
    await c.deploy({ ledger: { adopt: ['us-east-1', 'us-west-2'] } });
    expect(c.stacks.map((s) => s.tableNames)).toEqual([[], []]);
    expect(await historyOf(c, 'api')).toBeGreaterThanOrEqual(before);

    // The redeployed Ballast uses the adopted ledger: a terminate drain runs to its end.
    const rw = c.world.region(REGION);
    const host = [...rw.autoscaling.group('web-hosts')!.instances.keys()].sort()[0]!;
    rw.autoscaling.terminateInstance(host, false);
    await c.runFor(60 * MINUTE);
    const hook = rw.autoscaling.endedActions.find((a) => a.instanceId === host);
    expect(hook).toMatchObject({ how: 'completed', result: 'CONTINUE' });
    const drained = c.bus.seen.find(
      (e) =>
        e.source === 'ballast' &&
        e['detail-type'] === 'Drain Completed' &&
        (e.detail as { instanceId?: string }).instanceId === host,
    );
    expect(drained).toBeDefined();
    expect(await historyOf(c, 'api')).toBeGreaterThan(before);
    expect(c.endpoint.calls.filter((x) => x.outcome === 'denied').map((x) => `${x.caller} ${x.action}`)).toEqual([]);
  });

  it('takes the retained table back into the stack with cdk deploy --import-existing-resources', async () => {
    cloud = await LocalCloud.start({ config: example, seed: 22, withBallast: true });
    const c = cloud;
    await c.runFor(5 * MINUTE);
    const before = await historyOf(c, 'api');
    await c.destroy();

    await c.deploy({ importExistingResources: true });

    expect(c.stacks.map((s) => s.tableNames)).toEqual([['ballast-ledger'], ['ballast-ledger']]);
    expect(await historyOf(c, 'api')).toBeGreaterThanOrEqual(before);
    // The stack owns it again: a second destroy and a plain deploy fail on it once more.
    await c.destroy();
    await expect(c.deploy()).rejects.toThrow(/already exists/);
  });
});
