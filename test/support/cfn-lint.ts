/**
 * cfn-lint (AWS's CloudFormation linter, a Python tool) over synthesized templates.
 *
 * CI machines and this project's dev image ship it; laptops may not. Tests that need it use
 * `it.skipIf(!cfnLintAvailable())`, so they are reported SKIPPED where it is absent, never passed.
 *
 * What counts: `E*` rules (template errors CloudFormation would reject or that break at deploy) are errors.
 * `W*` (warnings) and `I*` (informational) are reported but do not fail: CDK's own output triggers some of
 * them by design (e.g. W3005, an explicit DependsOn next to a GetAtt).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CfnTemplate } from '#local/deploy/template.ts';

const run = promisify(execFile);

export type CfnLintLevel = 'Error' | 'Warning' | 'Informational';

export interface CfnLintFinding {
  readonly ruleId: string;
  readonly level: CfnLintLevel;
  readonly message: string;
  /** JSON path in the template, e.g. `['Resources', 'Echo11F3FB29', 'Properties', 'Runtime']`. */
  readonly path: Array<string | number>;
  readonly line: number | undefined;
}

export interface CfnLintReport {
  /** `E*` findings: these fail a test. */
  readonly errors: CfnLintFinding[];
  /** `W*` findings: reported, not failing. */
  readonly warnings: CfnLintFinding[];
  /** `I*` findings. */
  readonly informational: CfnLintFinding[];
  readonly all: CfnLintFinding[];
}

export interface CfnLintOptions {
  /** @default ['us-east-1'] */
  readonly regions?: string[];
  /** Rule ids (or prefixes) to ignore, each with a reason in the calling test. */
  readonly ignore?: string[];
}

let available: boolean | undefined;

/** Whether `cfn-lint` runs on this machine (checked once per process). */
export function cfnLintAvailable(): boolean {
  if (available === undefined) {
    const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8', timeout: 30_000 });
    available = probe.status === 0 && /cfn-lint/i.test(`${probe.stdout}${probe.stderr}`);
  }
  return available;
}

const levelOf = (ruleId: string, level: unknown): CfnLintLevel => {
  if (ruleId.startsWith('E')) return 'Error';
  if (ruleId.startsWith('W')) return 'Warning';
  if (ruleId.startsWith('I')) return 'Informational';
  return level === 'Error' ? 'Error' : level === 'Warning' ? 'Warning' : 'Informational';
};

/** Lints a template with cfn-lint (written to a temporary file, removed afterwards). */
export async function cfnLint(template: CfnTemplate, options: CfnLintOptions = {}): Promise<CfnLintReport> {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-cfn-lint-'));
  const file = join(dir, 'template.json');
  writeFileSync(file, JSON.stringify(template, null, 1));
  const args = ['--format', 'json', '--regions', ...(options.regions ?? ['us-east-1'])];
  if (options.ignore?.length) args.push('--ignore-checks', ...options.ignore);
  args.push('--', file);
  let stdout: string;
  try {
    ({ stdout } = await run('cfn-lint', args, { maxBuffer: 32 * 1024 * 1024, timeout: 120_000 }));
  } catch (error) {
    // cfn-lint exits non-zero whenever it finds something (2 errors, 4 warnings, 8 informational, or-ed):
    // the findings are still on stdout. Anything else (exit 1, no JSON) is a crash.
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    if (typeof failed.stdout !== 'string' || !failed.stdout.trim().startsWith('[')) {
      throw new Error(`cfn-lint failed (exit ${failed.code}): ${failed.stderr ?? String(error)}`);
    }
    stdout = failed.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const raw: unknown = JSON.parse(stdout.trim() || '[]');
  const all: CfnLintFinding[] = (Array.isArray(raw) ? raw : []).map((item) => {
    const f = item as {
      Level?: string;
      Message?: string;
      Rule?: { Id?: string };
      Location?: { Path?: Array<string | number>; Start?: { LineNumber?: number } };
    };
    const ruleId = f.Rule?.Id ?? 'unknown';
    return {
      ruleId,
      level: levelOf(ruleId, f.Level),
      message: f.Message ?? '',
      path: f.Location?.Path ?? [],
      line: f.Location?.Start?.LineNumber,
    };
  });
  return {
    errors: all.filter((f) => f.level === 'Error'),
    warnings: all.filter((f) => f.level === 'Warning'),
    informational: all.filter((f) => f.level === 'Informational'),
    all,
  };
}

/** One line per finding, for assertion messages: `E3002 Resources/T/Properties/Bogus: message`. */
export function formatCfnLint(findings: CfnLintFinding[]): string {
  return findings.map((f) => `${f.ruleId} ${f.path.join('/')}: ${f.message}`).join('\n');
}
