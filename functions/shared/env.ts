import * as z from '#events/zod.ts';
import { MissingConfiguration } from './errors.ts';

/**
 * Typed configuration of a function, read once at cold start. A missing or malformed variable fails the
 * cold start with an error that names the variable, instead of failing later inside a drain.
 */
export function readEnv<S extends z.core.$ZodShape>(
  shape: S,
  source: NodeJS.ProcessEnv = process.env,
): z.output<z.ZodMiniObject<S>> {
  const result = z.object(shape).safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    const value = source[name];
    return value === undefined ? `${name} is not set` : `${name} is invalid: ${issue.message}`;
  });
  throw new MissingConfiguration(`Function configuration: ${problems.join('; ')}`);
}

/** One environment variable that must be present. */
export function requireEnv(name: string, source: NodeJS.ProcessEnv = process.env): string {
  const value = source[name];
  if (value === undefined || value === '') throw new MissingConfiguration(`${name} is not set`);
  return value;
}

/** Environment variables every Ballast function has (set by the function factory and the stack). */
export const commonEnv = {
  AWS_REGION: z.string().check(z.minLength(1)),
  BALLAST_LEDGER_TABLE: z.string().check(z.minLength(1)),
  BALLAST_APP_NAME: z._default(z.string().check(z.minLength(1)), 'ballast'),
  BALLAST_DRY_RUN: z.pipe(
    z._default(z.enum(['true', 'false']), 'false'),
    z.transform((v: 'true' | 'false') => v === 'true'),
  ),
};
