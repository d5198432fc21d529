import { performance } from 'node:perf_hooks';
import { fleetRegions, parseConfig } from '../../config/schema.ts';
import { LocalCloud } from '../../local/cloud.ts';
import { buildFleet } from '../../local/world/fleet.ts';
import { largeFleet } from '../../local/world/large-fleet.ts';
import { buildScalingFleet } from '../../local/world/scaling-fleet.ts';
import { World } from '../../local/world/world.ts';

/**
 * The local cloud at fleet scale: the large fleet of `local/world/large-fleet.ts` (300 services in 6
 * clusters on 1,002 container instances in us-east-1, with their scalable targets, target-tracking alarms
 * and target groups, and a standby at a fifth of that). Figures: how long the world takes to build, how
 * fast a quiet hour and a whole day run, and peak memory. The endpoint is up (Ballast's control plane is
 * not deployed: see the README's known limits on the drain functions' 4 KB environment).
 */
const HOUR = 3600_000;

export async function benchLargeFleet(row: (name: string, value: string | number) => void): Promise<void> {
  const large = largeFleet();
  console.log(
    `\nLarge fleet: ${large.totals.services} services, ${large.totals.hosts} container instances, ${large.totals.tasks} service tasks in one region`,
  );
  const config = parseConfig(large.config);
  const buildStarted = performance.now();
  const world = new World({ seed: 1, regions: fleetRegions(config) });
  buildFleet(world, config, large.fleet);
  buildScalingFleet(world, config);
  row('build the world from its description (real seconds)', ((performance.now() - buildStarted) / 1000).toFixed(2));
  const primary = world.region(config.primaryRegion);
  row(
    'primary region: container instances / tasks / alarms',
    `${primary.ecs.clusters().reduce((n, c) => n + c.instances.size, 0)} / ${primary.ecs
      .clusters()
      .reduce(
        (n, c) => n + c.tasks.size,
        0,
      )} / ${Object.values(primary.cloudwatch.alarmCounts()).reduce((a, b) => a + b, 0)}`,
  );

  const bootStarted = performance.now();
  const cloud = await LocalCloud.start({ config: large.config, fleet: large.fleet, seed: 1, withBallast: false });
  try {
    row('boot the local cloud on it (real seconds)', ((performance.now() - bootStarted) / 1000).toFixed(2));
    const quietStarted = performance.now();
    const cpuStarted = process.cpuUsage();
    await cloud.runFor(HOUR);
    const quiet = (performance.now() - quietStarted) / 1000;
    row('a quiet hour: simulated seconds per real second', Math.round(3600 / quiet));
    const dayStarted = performance.now();
    await cloud.runFor(23 * HOUR);
    const day = quiet + (performance.now() - dayStarted) / 1000;
    const cpu = process.cpuUsage(cpuStarted);
    row('a 24-hour day (real seconds)', day.toFixed(1));
    row(
      'a 24-hour day (CPU seconds of this process: less sensitive to a busy machine)',
      ((cpu.user + cpu.system) / 1e6).toFixed(1),
    );
    const requests = cloud.world.traffic.totals();
    row('requests simulated / failed', `${requests.total} / ${requests.failed}`);
  } finally {
    await cloud.stop();
  }
  // The process's high-water mark (the simulation runs without yielding to timers, so sampling misses it).
  row('peak memory of the process so far (max RSS, MiB)', Math.round(process.resourceUsage().maxRSS / 1024));
}
