import { cloudwatchOutage } from './cloudwatch-outage.ts';
import { day } from './day.ts';
import { gameday } from './gameday.ts';
import { instanceRefresh } from './instance-refresh.ts';
import { regionFailover } from './region-failover.ts';
import { scaleIn } from './scale-in.ts';
import { spotInterruption } from './spot-interruption.ts';
import type { Scenario } from './types.ts';

// biome-ignore lint/suspicious/noExplicitAny: each scenario has its own state type.
export const SCENARIOS: Record<string, Scenario<any>> = {
  gameday,
  'scale-in': scaleIn,
  'instance-refresh': instanceRefresh,
  'spot-interruption': spotInterruption,
  'cloudwatch-outage': cloudwatchOutage,
  day,
  'region-failover': regionFailover,
};

// biome-ignore lint/suspicious/noExplicitAny: see above.
export function scenarioNamed(name: string): Scenario<any> | undefined {
  return Object.hasOwn(SCENARIOS, name) ? SCENARIOS[name] : undefined;
}
