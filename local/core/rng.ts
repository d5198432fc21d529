/**
 * A small seeded pseudo-random generator (mulberry32). The local cloud never calls Math.random: the same
 * scenario and seed give the same timeline.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A value between `base * (1 - spread)` and `base * (1 + spread)`. */
  jitter(base: number, spread: number): number {
    return base * (1 - spread + 2 * spread * this.next());
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** `n` lower-case hex characters, for ids such as task ARNs and instance ids. */
  hex(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }

  /** A child generator with its own stream, so adding draws in one domain does not shift another. */
  fork(label: string): Rng {
    let h = this.state ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x85ebca6b);
    return new Rng(h >>> 0);
  }
}
