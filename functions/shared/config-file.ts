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
