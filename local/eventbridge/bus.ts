import { readPath } from '../core/json-path.ts';
import type { AwsEvent, Kernel } from '../core/kernel.ts';
import type { LambdaRuntime } from '../runtime/lambda-runtime.ts';
import type { SfnRuntime } from '../runtime/sfn-runtime.ts';

/**
 * EventBridge's default bus in each region: the rules deployed from the synthesized template, matched
 * against every event the world emits (lifecycle actions, Spot warnings, alarms, Step Functions status
 * changes) and every PutEvents entry (Ballast's own events), delivering to their targets as AWS would.
 */
export type PatternMatcher = (pattern: unknown, event: AwsEvent) => boolean;

export interface RuleTarget {
  readonly id: string;
  readonly arn: string;
  readonly input?: string;
  readonly inputPath?: string;
  readonly inputTransformer?: { readonly inputPathsMap?: Record<string, string>; readonly inputTemplate: string };
}

export interface DeployedRule {
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  /** An event pattern, or absent for a scheduled rule. */
  readonly pattern?: unknown;
  /** `rate(…)` of a scheduled rule (cron is not simulated: the deployer refuses it). */
  readonly scheduleExpression?: string;
  readonly enabled: boolean;
  readonly targets: RuleTarget[];
}

export interface Delivery {
  readonly t: number;
  readonly region: string;
  readonly rule: string;
  readonly target: string;
  readonly eventId: string;
  readonly detailType: string;
}

export class EventBus {
  private readonly rules: DeployedRule[] = [];
  private readonly scheduled: DeployedRule[] = [];
  readonly deliveries: Delivery[] = [];
  /** Every event seen on any bus (world and PutEvents), for tests and the timeline. */
  readonly seen: AwsEvent[] = [];
  /**
   * Delivery impairments by region and event source (as on 2020-11-25, when CloudWatch Events delivered late
   * or not at all in us-east-1): events of that source reach no rule, or reach them `delayMs` late.
   */
  private readonly impaired = new Map<string, { readonly delayMs?: number }>();
  /** Events an impairment dropped (not delivered to any rule). */
  readonly dropped: AwsEvent[] = [];

  constructor(
    private readonly world: Kernel,
    private readonly matcher: PatternMatcher,
    private readonly targets: { sfn: SfnRuntime; lambdas: LambdaRuntime },
  ) {
    world.onEvent((event) => this.dispatch(event));
  }

  /** Adds a rule, or replaces the rule of the same ARN (a redeploy). */
  addRule(rule: DeployedRule): void {
    if (rule.scheduleExpression !== undefined) {
      this.schedule(rule);
      return;
    }
    const at = this.rules.findIndex((r) => r.arn === rule.arn);
    if (at >= 0) this.rules[at] = rule;
    else this.rules.push(rule);
  }

  /**
   * A scheduled rule: EventBridge sends a `Scheduled Event` (source `aws.events`, the rule's ARN as resource)
   * to its targets every period, the first one period after the rule is created.
   */
  private schedule(rule: DeployedRule): void {
    const periodMs = ratePeriodMs(rule.scheduleExpression!);
    // A redeploy replaces the rule: the old one's timer stops at its next tick.
    const at = this.scheduled.findIndex((r) => r.arn === rule.arn);
    if (at >= 0) this.scheduled[at] = rule;
    else this.scheduled.push(rule);
    if (!rule.enabled) return;
    const fire = () => {
      if (!this.scheduled.includes(rule)) return;
      const event = this.world.emit(rule.region, 'aws.events', 'Scheduled Event', {}, [rule.arn]);
      for (const target of rule.targets) this.deliver(rule, target, event);
      this.world.clock.after(periodMs, `schedule ${rule.name}`, fire);
    };
    this.world.clock.after(periodMs, `schedule ${rule.name}`, fire);
  }

  listRules(region: string): DeployedRule[] {
    return [...this.rules, ...this.scheduled].filter((r) => r.region === region);
  }

  /**
   * Impairs delivery of one source's events in a region: dropped (no `delayMs`), or late by `delayMs`. The
   * events still happen (they are in `seen`); only the rules do not get them in time.
   */
  impairDelivery(region: string, source: string, how: { readonly delayMs?: number } = {}): void {
    this.impaired.set(`${region}|${source}`, how);
    this.world.note(
      region,
      'incident',
      `EventBridge impaired for ${source} events: ${how.delayMs === undefined ? 'not delivered' : `delivered ${Math.round(how.delayMs / 1000)} s late`}`,
    );
  }

  restoreDelivery(region: string, source: string): void {
    if (this.impaired.delete(`${region}|${source}`)) {
      this.world.note(region, 'incident', `EventBridge delivers ${source} events again`);
    }
  }

  /** Routes one event to every enabled rule of its region that matches. */
  dispatch(event: AwsEvent): void {
    this.seen.push(event);
    const impairment = this.impaired.get(`${event.region}|${event.source}`);
    if (impairment) {
      if (impairment.delayMs === undefined) {
        this.dropped.push(event);
        return;
      }
      this.world.clock.after(impairment.delayMs, `late delivery of ${event.id}`, () => this.route(event));
      return;
    }
    this.route(event);
  }

  private route(event: AwsEvent): void {
    if (event.source === 'ballast') {
      const detail = event.detail as { instanceId?: string; outcome?: string };
      const subject = [detail.instanceId, detail.outcome].filter(Boolean).join(' ');
      this.world.note(event.region, 'ballast-event', `${event['detail-type']}${subject ? `: ${subject}` : ''}`);
    }
    for (const rule of this.rules) {
      if (!rule.enabled || rule.region !== event.region || !this.matcher(rule.pattern, event)) continue;
      if (event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event') continue;
      for (const target of rule.targets) this.deliver(rule, target, event);
    }
  }

  /** EventBridge invokes a Lambda target asynchronously: an error is retried by Lambda, then dropped (noted). */
  private invokeAsync(arn: string, payload: unknown, event: AwsEvent, attempt: number): void {
    this.world.clock
      .spawn(`event ${event.id} → ${arn} (attempt ${attempt})`, () => this.targets.lambdas.invoke(arn, payload))
      .catch((error: unknown) => {
        const delay = ASYNC_RETRY_DELAYS_MS[attempt - 1];
        const name = (error as { name?: string }).name ?? 'Error';
        if (delay === undefined) {
          this.world.note(event.region, 'lambda-dropped', `${arn.split(':').pop()}: ${name} after ${attempt} attempts`);
          return;
        }
        this.world.clock.after(delay, `retry ${event.id} → ${arn}`, () =>
          this.invokeAsync(arn, payload, event, attempt + 1),
        );
      });
  }

  private deliver(rule: DeployedRule, target: RuleTarget, event: AwsEvent): void {
    this.deliveries.push({
      t: this.world.now(),
      region: event.region,
      rule: rule.name,
      target: target.arn,
      eventId: event.id,
      detailType: event['detail-type'],
    });
    const payload = transformInput(target, event, rule);
    if (target.arn.includes(':states:') && target.arn.includes(':stateMachine:')) {
      this.targets.sfn.start(target.arn, typeof payload === 'string' ? payload : JSON.stringify(payload), undefined);
    } else if (target.arn.startsWith('arn:aws:lambda:')) {
      this.invokeAsync(target.arn, payload, event, 1);
    } else if (target.arn.startsWith('arn:aws:sns:')) {
      this.world.note(event.region, 'alert', `${rule.name}: ${event['detail-type']} → ${target.arn.split(':').pop()}`);
    }
  }
}

/** `rate(5 minutes)` to milliseconds; AWS's singular/plural rule (1 minute, 2 minutes) is enforced. */
export function ratePeriodMs(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match) throw new Error(`Schedule '${expression}': the local cloud runs rate(…) schedules only`);
  const n = Number(match[1]);
  const unit = match[2]!;
  if (n < 1 || (n === 1) !== !unit.endsWith('s')) {
    throw new Error(`Schedule '${expression}': use '1 ${unit.replace(/s$/, '')}' or 'N ${unit.replace(/s?$/, 's')}'`);
  }
  const ms = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[unit.replace(/s$/, '') as 'minute' | 'hour' | 'day'];
  return n * ms;
}

/** Lambda's asynchronous invocation retries a function error twice, about 1 and 2 minutes apart. */
const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];

/** Input, InputPath and InputTransformer, as EventBridge applies them. */
export function transformInput(target: RuleTarget, event: AwsEvent, rule?: DeployedRule): unknown {
  if (target.input !== undefined) return JSON.parse(target.input);
  if (target.inputPath !== undefined) return readPath(event, target.inputPath);
  if (!target.inputTransformer) return event;
  const values: Record<string, unknown> = {
    'aws.events.event': event,
    'aws.events.event.json': event,
    'aws.events.rule-name': rule?.name,
    'aws.events.rule-arn': rule?.arn,
    'aws.events.event.ingestion-time': event.time,
  };
  for (const [name, path] of Object.entries(target.inputTransformer.inputPathsMap ?? {}))
    values[name] = readPath(event, path);
  return fillTemplate(target.inputTransformer.inputTemplate, values);
}

/**
 * Fills an input template as EventBridge does: in a JSON template a placeholder outside a string literal
 * becomes the value's JSON (strings get their quotes), a placeholder inside a string literal becomes the
 * value's text; a template that is not JSON gets plain text.
 */
export function fillTemplate(template: string, values: Record<string, unknown>): unknown {
  const json = /^\s*[[{]/.test(template);
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch === '<') {
      const close = template.indexOf('>', i);
      const name = close > i ? template.slice(i + 1, close) : '';
      if (/^[A-Za-z0-9_.-]+$/.test(name) && name in values) {
        const value = values[name];
        if (json && !inString) out += JSON.stringify(value ?? null);
        else {
          const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
          out += json ? JSON.stringify(text).slice(1, -1) : text;
        }
        i = close;
        continue;
      }
    }
    if (json && ch === '"' && template[i - 1] !== '\\') inString = !inString;
    out += ch;
  }
  if (!json) return out;
  try {
    return JSON.parse(out);
  } catch {
    return out;
  }
}
