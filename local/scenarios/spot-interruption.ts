import type { LocalCloud } from '../cloud.ts';
import { tasksKilledWithHost } from './invariants.ts';
import { minutes, type Scenario } from './types.ts';

/** A Spot host gets its two-minute warning: Ballast drains at once and reports what could not move. */
export const spotInterruption: Scenario<{ victim: string }> = {
  name: 'spot-interruption',
  description: 'One Spot web host in us-east-1 is interrupted (2 minutes notice)',
  durationMs: minutes(30),
  fleet: { regions: { 'us-east-1': { groups: { 'web-hosts': { hosts: 4, spot: true } } } } },
  setup(cloud) {
    const region = cloud.config.primaryRegion;
    const group = cloud.world.region(region).autoscaling.group('web-hosts')!;
    const victim = [...group.instances.keys()].sort()[0]!;
    cloud.world.clock.after(minutes(5), 'spot interruption', () => {
      cloud.world.note(region, 'incident', `Spot interruption warning for ${victim}`);
      cloud.world.region(region).autoscaling.spotInterruption(victim);
    });
    return { victim };
  },
  invariants(cloud, { victim }) {
    const region = cloud.config.primaryRegion;
    const killed = tasksKilledWithHost(cloud, region);
    const base = [
      {
        name: 'fewer tasks die with the host than without a drain',
        held: cloud.withBallast ? killed <= 1 : true,
        detail: `${killed} task(s) died with ${victim}`,
      },
    ];
    if (!cloud.withBallast) return base;
    return [...base, spotReport(cloud, victim)];
  },
};

function spotReport(cloud: LocalCloud, victim: string) {
  const events = cloud.bus.seen.filter(
    (e) => e.source === 'ballast' && (e.detail as { instanceId?: string }).instanceId === victim,
  );
  const types = events.map((e) => e['detail-type']);
  const finished = events.find((e) => e['detail-type'] !== 'Drain Started');
  return {
    name: 'the drain started at once and reported what could not move',
    held: types[0] === 'Drain Started' && finished !== undefined,
    detail: finished
      ? `${types.join(' → ')}: ${JSON.stringify((finished.detail as { remaining?: unknown }).remaining ?? {})}`
      : `events: ${types.join(', ') || 'none'}`,
  };
}
