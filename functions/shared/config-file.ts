import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MissingConfiguration } from './errors.ts';

/**
 * A capability's configuration is too large for Lambda's 4 KB of environment at fleet scale (300 services
 * make ~40 KB), so it ships inside the function's bundle: the function factory writes `ballast-config.json`
 * (an object of named JSON documents, e.g. `{ "BALLAST_DRAIN_CONFIG": "{…}" }`) next to the handler and sets
 * BALLAST_CONFIG_FILE to its name. The local cloud, which runs handlers from source, gets the same file
 * from the template (function metadata `ballast:config`). A variable of the same name in the environment
 * wins (tests set one directly).
 */
export const CONFIG_FILE_ENV = 'BALLAST_CONFIG_FILE';
export const CONFIG_FILE_NAME = 'ballast-config.json';

const files = new Map<string, Record<string, unknown>>();

export function configValue(name: string, source: NodeJS.ProcessEnv = process.env): string {
  const direct = source[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = source[CONFIG_FILE_ENV];
  if (!file) throw new MissingConfiguration(`${name} is not set, and there is no ${CONFIG_FILE_ENV} to read it from`);
  const full = path.isAbsolute(file) ? file : path.join(source.LAMBDA_TASK_ROOT ?? process.cwd(), file);
  let documents = files.get(full);
  if (!documents) {
    try {
      documents = JSON.parse(readFileSync(full, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new MissingConfiguration(`${CONFIG_FILE_ENV} ${full} cannot be read: ${(error as Error).message}`);
    }
    files.set(full, documents);
  }
  const value = documents[name];
  if (typeof value !== 'string' || value === '') {
    throw new MissingConfiguration(`${name} is not in ${full}: redeploy so that the bundle carries it`);
  }
  return value;
}

/**
 * The structure of a capability's configuration document, checked at cold start instead of its zod schema:
 * the document is built and validated with the schema at synth (`drainConfigFor()` and its siblings, in each
 * capability's config-schema.ts), so the handler only checks that what it reads has the structure it expects,
 * with one problem per field, and ships no schema code (a zod schema costs its load at every cold start).
 * A test derives each shape from its zod schema, so the two cannot drift apart.
 */
export type Shape =
  | 'string'
  | 'number'
  | 'boolean'
  | { readonly optional: Shape }
  | { readonly array: Shape }
  | { readonly record: Shape }
  | { readonly object: { readonly [field: string]: Shape } };

export const optional = (shape: Shape): Shape => ({ optional: shape });
export const arrayOf = (shape: Shape): Shape => ({ array: shape });
export const recordOf = (shape: Shape): Shape => ({ record: shape });
export const objectOf = (fields: { readonly [field: string]: Shape }): Shape => ({ object: fields });

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

const EXPECTED: Record<'string' | 'number' | 'boolean', string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

/** The problems of `value` against `shape`, each naming its field (`groups['asg-1'].policy.dryRun: …`). */
export function shapeProblems(value: unknown, shape: Shape, at = ''): string[] {
  const here = at || '(document)';
  if (typeof shape === 'string') {
    const ok = shape === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === shape;
    return ok ? [] : [`${here}: expected ${EXPECTED[shape]}, got ${describe(value)}`];
  }
  if ('optional' in shape) return value === undefined ? [] : shapeProblems(value, shape.optional, at);
  if ('array' in shape) {
    if (!Array.isArray(value)) return [`${here}: expected an array, got ${describe(value)}`];
    return value.flatMap((item, i) => shapeProblems(item, shape.array, `${at}[${i}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`${here}: expected an object, got ${describe(value)}`];
  }
  const entries = Object.entries(value);
  if ('record' in shape)
    return entries.flatMap(([key, item]) => shapeProblems(item, shape.record, `${at}[${JSON.stringify(key)}]`));
  const field = (key: string) => (at ? `${at}.${key}` : key);
  const unknown = entries
    .filter(([key]) => !Object.hasOwn(shape.object, key))
    .map(([key]) => `${field(key)}: is not a field of this configuration (a newer synth than this handler?)`);
  const known = Object.entries(shape.object).flatMap(([key, fieldShape]) =>
    shapeProblems((value as Record<string, unknown>)[key], fieldShape, field(key)),
  );
  return [...known, ...unknown];
}

/** Parses a configuration document (`name` is its variable, e.g. BALLAST_DRAIN_CONFIG) and checks its shape. */
export function parseConfigDocument<T>(name: string, json: string, shape: Shape): T {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new MissingConfiguration(`${name} is not JSON: ${(error as Error).message}`);
  }
  const problems = shapeProblems(raw, shape);
  if (problems.length > 0) {
    throw new MissingConfiguration(
      `${name} is invalid (redeploy so that synth writes it again): ${problems.join('; ')}`,
    );
  }
  return raw as T;
}
