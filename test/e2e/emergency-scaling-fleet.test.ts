import { SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCloud } from '#local/cloud.ts';
import { largeFleet } from '#local/world/large-fleet.ts';
import { main as cli } from '../../cli/ballast.ts';

/**
 * An emergency raise of the 300-service fleet (local/world/large-fleet.ts: 6 clusters) with Ballast deployed
 * from the synthesized template, with AWS's rate limits at half their published size and rate (twice as
 * strict): every service is raised and reached, and no step fails (throttled calls are retried or backed off).
 */
const REGION = 'us-east-1';
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

describe('an emergency raise of 300 services at twice AWS throttling', () => {
  it('raises and reaches every service, and no step of the execution fails for good', async () => {
    const large = largeFleet();
    cloud = await LocalCloud.start({
      config: large.config,
      fleet: large.fleet,
      seed: 5,
      withBallast: true,
      rateLimits: { scale: 0.5 },
    });
    const c = cloud;
    const out: string[] = [];
    const code = await cli(
      ['scale', 'raise', '--multiplier', '1.5', '--reason', 'fleet test', '--region', REGION, '--wait'],
      {
        out: (l) => out.push(l),
        err: (l) => out.push(l),
        sfn: new SFNClient(c.clientConfig(REGION)),
        now: () => new Date(c.world.now()),
        sleep: (ms) => c.runFor(ms),
      },
    );

    expect(code, out.join('\n')).toBe(0);
    const execution = c.sfn.executions.find((e) => e.stateMachineName === 'ballast-emergency-scale')!;
    expect(execution.status).toBe('RUNNING'); // holding
    expect(execution.history.some((h) => (h as { type: string }).type === 'ExecutionFailed')).toBe(false);
    const aas = c.world.region(REGION).applicationAutoScaling;
    const raised = aas.allTargets().filter((t) => t.lastMutation?.caller.includes('EmergencyScaling'));
    expect(raised).toHaveLength(300);
    const ecs = c.world.region(REGION).ecs;
    const short = raised.filter((t) => (ecs.getService(t.cluster, t.service)?.runningCount ?? 0) < t.MinCapacity);
    expect(short.map((t) => t.ResourceId)).toEqual([]);
    // The limits really bit: some calls were throttled and retried.
    expect(c.endpoint.calls.filter((call) => call.outcome === 'throttled').length).toBeGreaterThan(0);
  }, 300_000);
});
