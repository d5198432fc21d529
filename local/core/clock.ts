import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Virtual time for the local cloud: a discrete-event clock with cooperative processes.
 *
 * - `schedule`/`after` queue a callback at a virtual instant. Events run in (time, sequence) order, so the
 *   same inputs give the same timeline.
 * - `spawn` starts a *process* (a Step Functions execution, a Lambda invocation): async code that runs until
 *   it calls `sleep`, which hands control back to the clock. Exactly one process runs at a time, so every
 *   API call a process makes happens in a deterministic order, whatever the real timing of HTTP and I/O.
 * - Time only moves when the running process yields; a 24-hour scenario runs as fast as the work allows.
 */
export interface TimerHandle {
  readonly id: number;
  readonly at: number;
}

interface QueuedEvent {
  readonly id: number;
  readonly at: number;
  readonly label: string;
  readonly run: () => void | Promise<void>;
}

interface Process {
  readonly name: string;
  /** Called when the process yields (sleeps) or ends: hands control back to the clock loop. */
  release: (() => void) | null;
}

export class DeadlockError extends Error {
  override readonly name = 'DeadlockError';
}

export class VirtualClock {
  private current: number;
  private seq = 0;
  private readonly queue: QueuedEvent[] = [];
  private readonly cancelled = new Set<number>();
  private readonly processes = new AsyncLocalStorage<Process>();
  private running = false;
  /** Real milliseconds a process may run without yielding before the clock reports a deadlock. */
  sliceTimeoutMs = 60_000;
  /** Events run so far (a figure for the bench). */
  eventsRun = 0;

  constructor(startMs: number) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  date(): Date {
    return new Date(this.current);
  }

  /** Queues `run` at virtual time `at` (never in the past). */
  schedule(at: number, label: string, run: () => void | Promise<void>): TimerHandle {
    const event: QueuedEvent = { id: ++this.seq, at: Math.max(at, this.current), label, run };
    // Binary insertion keeps the queue ordered by (at, id).
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.queue[mid]!;
      if (other.at < event.at || (other.at === event.at && other.id < event.id)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, event);
    return { id: event.id, at: event.at };
  }

  after(delayMs: number, label: string, run: () => void | Promise<void>): TimerHandle {
    return this.schedule(this.current + Math.max(0, delayMs), label, run);
  }

  cancel(handle: TimerHandle | undefined): void {
    if (handle) this.cancelled.add(handle.id);
  }

  /** The virtual time of the next pending event, or undefined when nothing is queued. */
  nextEventAt(): number | undefined {
    for (const event of this.queue) if (!this.cancelled.has(event.id)) return event.at;
    return undefined;
  }

  /** True while called from inside a spawned process. */
  inProcess(): boolean {
    return this.processes.getStore() !== undefined;
  }

  /**
   * Starts `body` as a process at the current virtual instant (after the events already queued for it).
   * The returned promise settles with the body's result once the clock has run it to completion.
   */
  spawn<T>(name: string, body: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.after(0, `start ${name}`, () => {
        const process: Process = { name, release: null };
        return this.slice(process, () => {
          const done = this.processes.run(process, body);
          done.then(resolve, reject).finally(() => {
            const release = process.release;
            process.release = null;
            release?.();
          });
        });
      });
    });
  }

  /**
   * Suspends the calling process for `ms` of virtual time. Outside a process (a test driving the clock),
   * it runs the clock forward instead.
   */
  sleep(ms: number): Promise<void> {
    const process = this.processes.getStore();
    if (!process) return this.runFor(ms);
    return new Promise<void>((wake) => {
      this.after(ms, `wake ${process.name}`, () => this.slice(process, wake));
      const release = process.release;
      process.release = null;
      release?.();
    });
  }

  /**
   * Suspends the calling process until `wake()` is called or `ms` of virtual time pass, whichever comes
   * first (a task token's callback or its timeout). `woken` resolves `true` when woken, `false` on the
   * timeout. Must be called from inside a process.
   */
  suspend(ms: number): { readonly woken: Promise<boolean>; wake: () => void } {
    const process = this.processes.getStore();
    if (!process) throw new Error('suspend() must be called from inside a process');
    let settled = false;
    let resolve: (woken: boolean) => void = () => undefined;
    const woken = new Promise<boolean>((r) => {
      resolve = r;
    });
    const timer = this.after(ms, `timeout ${process.name}`, () => {
      if (settled) return;
      settled = true;
      return this.slice(process, () => resolve(false));
    });
    const wake = () => {
      if (settled) return;
      settled = true;
      this.cancel(timer);
      this.after(0, `wake ${process.name}`, () => this.slice(process, () => resolve(true)));
    };
    const release = process.release;
    process.release = null;
    release?.();
    return { woken, wake };
  }

  /** Runs one slice of a process: resumes it and resolves when it yields or ends. */
  private slice(process: Process, resume: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new DeadlockError(`process '${process.name}' ran ${this.sliceTimeoutMs} ms of real time without yielding`),
          ),
        this.sliceTimeoutMs,
      );
      process.release = () => {
        clearTimeout(timer);
        resolve();
      };
      resume();
    });
  }

  /** Runs every event due up to and including `until`, then sets the clock to `until`. */
  async runUntil(until: number): Promise<void> {
    await this.drive(until, () => false);
  }

  runFor(ms: number): Promise<void> {
    return this.runUntil(this.current + ms);
  }

  /**
   * Runs events until `predicate` holds (checked before and after each event) or `limitMs` of virtual time
   * passes. Returns whether the predicate held.
   */
  async runUntilTrue(predicate: () => boolean, limitMs: number): Promise<boolean> {
    if (predicate()) return true;
    return this.drive(this.current + limitMs, predicate);
  }

  /** The event loop: runs due events in order until `until` or until `stop` holds after an event. */
  private async drive(until: number, stop: () => boolean): Promise<boolean> {
    if (this.running) throw new Error('the clock is already running: do not drive it from inside a process');
    this.running = true;
    try {
      for (;;) {
        const event = this.queue[0];
        if (!event || event.at > until) break;
        this.queue.shift();
        if (this.cancelled.delete(event.id)) continue;
        this.current = event.at;
        this.eventsRun++;
        await event.run();
        if (stop()) return true;
      }
      if (until > this.current) this.current = until;
      return stop();
    } finally {
      this.running = false;
    }
  }
}
