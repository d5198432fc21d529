import { readFileSync } from 'node:fs';
import { InvalidReport, parseReport, renderReport } from '../local/report/render.ts';

/**
 * `ballast report run.json > run.html`: renders the game-day page of a saved run (`npm start -- --json`,
 * with or without `--compare`) from the JSON alone. `-` reads the JSON from stdin.
 */
export const REPORT_USAGE = 'ballast report <run.json | -> > run.html';

export interface ReportIo {
  out(text: string): void;
  err(line: string): void;
  /** Reads a file (or stdin for '-'); tests pass their own. */
  read?: (path: string) => string;
}

export function reportCommand(args: string[], io: ReportIo): number {
  const [path, ...rest] = args;
  if (!path || rest.length > 0) {
    io.err(`report needs exactly one file: ${REPORT_USAGE}`);
    return 2;
  }
  let text: string;
  try {
    text = (io.read ?? ((p) => readFileSync(p === '-' ? 0 : p, 'utf8')))(path);
  } catch (error) {
    io.err(`cannot read ${path}: ${(error as Error).message}`);
    return 2;
  }
  let value: unknown;
  try {
    value = JSON.parse(jsonPart(text));
  } catch (error) {
    io.err(`${path} is not JSON (${(error as Error).message}): save it with npm start --silent -- --json > run.json`);
    return 2;
  }
  try {
    io.out(renderReport(parseReport(value)));
    return 0;
  } catch (error) {
    if (!(error instanceof InvalidReport)) throw error;
    io.err(`${path}: ${error.message}`);
    return 2;
  }
}

/** `npm start -- --json > run.json` without `--silent` also saves npm's banner: skip to the first '{' line. */
function jsonPart(text: string): string {
  if (text.trimStart().startsWith('{')) return text;
  const at = text.search(/^\{/m);
  return at >= 0 ? text.slice(at) : text;
}
