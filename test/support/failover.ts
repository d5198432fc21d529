import { SFNClient } from '@aws-sdk/client-sfn';
import { main as cli } from '../../cli/ballast.ts';
import type { LocalCloud } from '../../local/cloud.ts';

/**
 * `ballast failover … --json` against a local cloud, as an operator or pipeline in `region` would run it: the
 * real CLI with the real Step Functions client, its waits on the cloud's virtual clock.
 */
export async function failoverCli(c: LocalCloud, region: string, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cli(['failover', ...args, '--json'], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    sfn: new SFNClient(c.clientConfig(region)),
    now: () => new Date(c.world.now()),
    sleep: (ms) => c.runFor(ms),
  });
  return {
    code,
    out,
    err,
    last: JSON.parse(out.at(-1) ?? '{}') as Record<string, unknown>,
    log: [...out, ...err].join('\n'),
  };
}

/**
 * One region's share of what Route 53 answers for a record (authoritative), and of what clients hold (their
 * cached answers), sampled every 10 s of virtual time.
 */
export function watchShares(c: LocalCloud, record: string, region: string) {
  const seen: Array<{ t: number; authoritative: number; clients: number }> = [];
  const sample = () => {
    seen.push({
      t: c.world.now(),
      authoritative: c.world.route53.authoritativeShares(record).get(region) ?? 0,
      clients: c.world.route53.regionShares(record).get(region) ?? 0,
    });
    c.world.clock.after(10_000, 'test share sample', sample);
  };
  sample();
  return seen;
}
