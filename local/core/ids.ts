import type { Rng } from './rng.ts';

/**
 * Deterministic identifiers for the compute domain (ECS, Auto Scaling, load balancers). Each domain draws
 * from its own forked stream, so adding a draw in one never shifts the ids of another.
 */

/** A v4-layout UUID from `rng`. */
export function uuidOf(rng: Rng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[rng.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An EC2 instance id: `i-` and 17 hex characters. */
export function instanceIdOf(rng: Rng): string {
  return `i-${rng.hex(17)}`;
}

/** The last path segment of an ARN or a plain name (`arn:…:cluster/web` → `web`). */
export function lastSegment(nameOrArn: string): string {
  const slash = nameOrArn.lastIndexOf('/');
  return slash >= 0 ? nameOrArn.slice(slash + 1) : nameOrArn;
}

/** Milliseconds from seconds. */
export const seconds = (s: number): number => Math.round(s * 1000);
