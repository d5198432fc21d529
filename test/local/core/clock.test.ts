import { describe, expect, it } from 'vitest';
import { DeadlockError, VirtualClock } from '#local/core/clock.ts';
import { Rng } from '#local/core/rng.ts';

describe('the virtual clock', () => {
  it('runs events in time order, and same-time events in the order they were queued', async () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    clock.schedule(2000, 'b', () => void seen.push('b@2000'));
    clock.schedule(1000, 'a', () => void seen.push('a@1000'));
    clock.schedule(2000, 'c', () => void seen.push('c@2000'));
    await clock.runFor(5000);
    expect(seen).toEqual(['a@1000', 'b@2000', 'c@2000']);
    expect(clock.now()).toBe(5000);
  });

  it('runs a day of sleeping processes on virtual time, waking each at its instant', async () => {
    const clock = new VirtualClock(0);
    const wakes: number[] = [];
    void clock.spawn('poller', async () => {
      for (let i = 0; i < 24; i++) {
        await clock.sleep(3_600_000);
        wakes.push(clock.now());
      }
    });
    await clock.runFor(86_400_000);
    expect(wakes).toHaveLength(24);
    expect(wakes[23]).toBe(86_400_000);
  });

  it('runs one process at a time, so interleaving depends on virtual time only', async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    const worker = (name: string, step: number) => async () => {
      for (let i = 0; i < 3; i++) {
        log.push(`${name}${i} start`);
        await new Promise((resolve) => setTimeout(resolve, name === 'a' ? 5 : 1)); // real I/O of different lengths
        log.push(`${name}${i} end`);
        await clock.sleep(step);
      }
    };
    void clock.spawn('a', worker('a', 1000));
    void clock.spawn('b', worker('b', 1000));
    await clock.runFor(10_000);
    expect(log).toEqual([
      'a0 start',
      'a0 end',
      'b0 start',
      'b0 end',
      'a1 start',
      'a1 end',
      'b1 start',
      'b1 end',
      'a2 start',
      'a2 end',
      'b2 start',
      'b2 end',
    ]);
  });

  it('settles a spawned process with its result', async () => {
    const clock = new VirtualClock(0);
    const result = clock.spawn('adder', async () => {
      await clock.sleep(500);
      return 42;
    });
    await clock.runFor(1000);
    await expect(result).resolves.toBe(42);
  });

  it('reports a process that never yields instead of hanging', async () => {
    const clock = new VirtualClock(0);
    clock.sliceTimeoutMs = 50;
    void clock.spawn('stuck', () => new Promise(() => undefined));
    await expect(clock.runFor(1000)).rejects.toBeInstanceOf(DeadlockError);
  });

  it('does not run cancelled events', async () => {
    const clock = new VirtualClock(0);
    let ran = false;
    const handle = clock.after(100, 'x', () => {
      ran = true;
    });
    clock.cancel(handle);
    await clock.runFor(1000);
    expect(ran).toBe(false);
  });
});

describe('the seeded random generator', () => {
  it('gives the same stream for the same seed and different streams for different seeds', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, (_, i) => new Rng(seed).fork(`f${i}`).next());
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });
});
