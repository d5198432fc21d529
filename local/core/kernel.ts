import { VirtualClock } from './clock.ts';
import { Rng } from './rng.ts';

/**
 * The kernel of the simulated world: what every service model needs and nothing service-specific — virtual
 * time, randomness, ARNs, the timeline, the events the world emits on the default bus, the faults injected
 * into the API and which regions are down. It imports no service, so every service can import it and the
 * import graph of `local/` stays acyclic (README, "The local cloud").
 */

/** An event as EventBridge delivers it (the envelope of the default bus). */
export interface AwsEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
}

export interface TimelineEntry {
  /** Seconds since the world started. */
  readonly t: number;
  readonly region: string;
  readonly kind: string;
  readonly detail: string;
}

/** A fault injected into the API: an error rate, added latency, or a whole service down. */
export interface ApiFault {
  /** IAM prefix of the service ('ecs', 'autoscaling', …) or '*' */
  readonly service: string;
  readonly action?: string;
  readonly region?: string;
  /** Fraction of matching calls that fail, 0-1 (1 = the service is down). */
  readonly errorRate: number;
  readonly errorCode?: string;
  readonly status?: number;
  /** Virtual milliseconds added to matching calls' recorded latency. */
  readonly latencyMs?: number;
  /**
   * The call times out: no answer until the client gives up (it closes the connection) or, at the latest,
   * `HANG_REAL_MS` of real time, then a 504. A client without a timeout waits that long.
   */
  readonly timeout?: boolean;
  readonly from: number;
  readonly until: number;
}

export interface KernelOptions {
  readonly seed: number;
  /** Virtual start time (epoch ms). Default 2026-11-25T02:00:00Z. */
  readonly start?: number;
  readonly regions: readonly string[];
  readonly accountId?: string;
}

export const DEFAULT_START = Date.UTC(2026, 10, 25, 2, 0, 0);

export class Kernel {
  readonly clock: VirtualClock;
  readonly rng: Rng;
  readonly seed: number;
  readonly accountId: string;
  readonly startMs: number;
  /** The regions of the world, in the order they were declared. */
  readonly regionNames: readonly string[];
  readonly timeline: TimelineEntry[] = [];
  readonly faults: ApiFault[] = [];
  private readonly downRegions = new Set<string>();
  private readonly listeners: Array<(event: AwsEvent) => void> = [];
  private readonly eventIds: Rng;

  constructor(options: KernelOptions) {
    this.seed = options.seed;
    this.startMs = options.start ?? DEFAULT_START;
    this.clock = new VirtualClock(this.startMs);
    this.rng = new Rng(options.seed);
    this.eventIds = this.rng.fork('event-ids');
    this.accountId = options.accountId ?? '123456789012';
    this.regionNames = [...options.regions];
  }

  now(): number {
    return this.clock.now();
  }

  /** Seconds since the world started, for timelines. */
  elapsedSeconds(at = this.clock.now()): number {
    return Math.round((at - this.startMs) / 1000);
  }

  hasRegion(name: string): boolean {
    return this.regionNames.includes(name);
  }

  /** The whole region has failed: its hosts stop serving and its APIs answer with errors. */
  isRegionDown(name: string): boolean {
    return this.downRegions.has(name);
  }

  setRegionDown(name: string, down: boolean): void {
    if (down) this.downRegions.add(name);
    else this.downRegions.delete(name);
  }

  arn(service: string, region: string, resource: string): string {
    return `arn:aws:${service}:${region}:${this.accountId}:${resource}`;
  }

  /** Appends to the timeline (what `npm start` prints and `--json` reports). */
  note(region: string, kind: string, detail: string): void {
    this.timeline.push({ t: this.elapsedSeconds(), region, kind, detail });
  }

  /** Emits an event on the region's default bus, as AWS services do; EventBridge rules see it. */
  emit(
    region: string,
    source: string,
    detailType: string,
    detail: Record<string, unknown>,
    resources: string[] = [],
  ): AwsEvent {
    const event: AwsEvent = {
      version: '0',
      id: uuidFrom(this.eventIds),
      'detail-type': detailType,
      source,
      account: this.accountId,
      time: new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources,
      detail,
    };
    for (const listener of this.listeners) listener(event);
    return event;
  }

  onEvent(listener: (event: AwsEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** A deterministic UUID (v4 layout) from the world's random stream. */
  uuid(): string {
    return uuidFrom(this.eventIds);
  }
}

function uuidFrom(rng: Rng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[rng.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
