/**
 * The detector's decision (pure; NOT wired in yet: no scheduled function reads the signals, see README
 * "Emergency scaling", known limits). Independent signals of impaired CloudWatch-driven autoscaling:
 *  - the canary metric Ballast publishes and reads back is failing or stale;
 *  - the share of the configured services' target-tracking alarms in INSUFFICIENT_DATA is at least `share`;
 *  - tasks are pending with no scaling activity while load rises;
 *  - an AWS Health event for CloudWatch / ECS / Auto Scaling in the region: confirmation only (they lagged
 *    the real impact by hours), so it counts only next to another signal.
 * It acts on a quorum held for `dwellSeconds`, and clears only after recovery held for `clearSeconds`
 * (hysteresis): one alarm going INSUFFICIENT_DATA starts nothing, and a flapping signal during an incident
 * neither starts a second override nor clears the first.
 */
export interface Signals {
  readonly canaryFailing: boolean;
  /** INSUFFICIENT_DATA alarms / target-tracking alarms of the configured services (0 when there are none). */
  readonly insufficientDataShare: number;
  readonly pendingWithoutScaling: boolean;
  readonly healthEvent: boolean;
}

export interface DetectorPolicy {
  /** Signals needed at once. @default 2 */
  readonly quorum: number;
  /** Share of alarms in INSUFFICIENT_DATA that counts as a signal. @default 0.5 */
  readonly share: number;
  /** How long the quorum must hold before the detector acts. @default 180 */
  readonly dwellSeconds: number;
  /** How long recovery must hold before the detector clears. @default 900 */
  readonly clearSeconds: number;
}

export const DEFAULT_DETECTOR_POLICY: DetectorPolicy = { quorum: 2, share: 0.5, dwellSeconds: 180, clearSeconds: 900 };

export type DetectorStatus = 'clear' | 'suspect' | 'impaired' | 'recovering';

export interface DetectorState {
  readonly status: DetectorStatus;
  /** When the current status began (epoch ms). */
  readonly since: number;
}

export interface Verdict {
  readonly state: DetectorState;
  /** `detected`: emit `Scaling Impairment Detected` (and raise in `auto` tiers); `cleared`: start the restore. */
  readonly transition?: 'detected' | 'cleared';
  /** The signals that counted. */
  readonly raised: string[];
}

/** The signals that count toward the quorum. */
export function raisedSignals(signals: Signals, policy: DetectorPolicy = DEFAULT_DETECTOR_POLICY): string[] {
  const raised: string[] = [];
  if (signals.canaryFailing) raised.push('canary');
  if (signals.insufficientDataShare >= policy.share) raised.push('insufficient-data');
  if (signals.pendingWithoutScaling) raised.push('pending-without-scaling');
  if (signals.healthEvent && raised.length > 0) raised.push('health-event');
  return raised;
}

/** One evaluation: the next state, and a transition when the detector acts or clears. */
export function evaluate(
  state: DetectorState,
  signals: Signals,
  now: number,
  policy: DetectorPolicy = DEFAULT_DETECTOR_POLICY,
): Verdict {
  const raised = raisedSignals(signals, policy);
  const quorum = raised.length >= policy.quorum;
  const at = (status: DetectorStatus): DetectorState => ({ status, since: now });
  switch (state.status) {
    case 'clear':
      return { state: quorum ? at('suspect') : state, raised };
    case 'suspect':
      if (!quorum) return { state: at('clear'), raised };
      if (now - state.since >= policy.dwellSeconds * 1000)
        return { state: at('impaired'), transition: 'detected', raised };
      return { state, raised };
    case 'impaired':
      return { state: quorum ? state : at('recovering'), raised };
    case 'recovering':
      if (quorum) return { state: at('impaired'), raised };
      if (now - state.since >= policy.clearSeconds * 1000) return { state: at('clear'), transition: 'cleared', raised };
      return { state, raised };
  }
}

/** What a tier does on detection: `auto` raises, `recommend` only emits the plan. Safe default: recommend. */
export function modeOf(tier: string, modes: Readonly<Record<string, 'auto' | 'recommend'>> = {}): 'auto' | 'recommend' {
  return modes[tier] ?? 'recommend';
}
