import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '#infra/function-factory.ts';

/** `npm start` as a user runs it: a separate process, its exit code and its output. */
function start(...args: string[]) {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  return spawnSync(tsx, ['--no-warnings', 'local/main.ts', ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 230_000,
  });
}

describe('npm start', () => {
  it('prints one JSON object with the documented fields for --json, and writes the game-day page from it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ballast-start-'));
    const page = path.join(dir, 'nested', 'run.html');
    const run = start('--scenario', 'spot-interruption', '--seed', '3', '--json', '--report', page);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(run.stderr).toContain(`Game-day page: ${page}`);
    const html = readFileSync(page, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('Ballast game day: spot-interruption, seed 3');
    expect(Object.keys(result.series)).toEqual(['t', 'requests', 'services', 'groups', 'traffic']);
    expect(result.series.t.length).toBe(result.simulatedSeconds / 60 + 1);
    expect(result.markers).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'execution', line: expect.any(Number) })]),
    );
    expect(Object.keys(result)).toEqual(
      expect.arrayContaining([
        'scenario',
        'seed',
        'simulatedSeconds',
        'realSeconds',
        'requests',
        'apiCalls',
        'executions',
        'invariants',
        'timeline',
        'phases',
        'markers',
        'series',
      ]),
    );
    expect(result).toMatchObject({ scenario: 'spot-interruption', seed: 3, requests: { failed: 0 } });
    expect(result.apiCalls).toEqual({ total: expect.any(Number), throttled: 0, denied: 0 });
    expect(result.executions[0]).toEqual({
      stateMachine: 'ballast-drain-host',
      name: expect.any(String),
      status: 'SUCCEEDED',
      transitions: expect.any(Number),
    });
    expect(result.timeline[0]).toEqual({ t: 0, region: 'us-east-1', kind: 'fleet-built', detail: expect.any(String) });
  });

  it('writes the whole JSON of a long run into a pipe before it exits', () => {
    const run = start('--json', '--no-report');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(128 * 1024);
    expect(JSON.parse(run.stdout)).toMatchObject({ scenario: 'gameday', series: { t: expect.any(Array) } });
    expect(run.stderr).not.toContain('Game-day page');
  });

  it('rejects an unknown scenario with exit code 2 and the list of scenarios', () => {
    const run = start('--scenario', 'meteor-strike');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("unknown scenario 'meteor-strike'");
    expect(run.stderr).toContain('gameday');
  });

  it('rejects --report together with --no-report, before running anything', () => {
    const both = start('--report', 'x.html', '--no-report');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--report and --no-report contradict each other');
    expect(existsSync(path.join(PROJECT_ROOT, 'x.html'))).toBe(false);
    const serve = start('--serve', '--report', 'x.html');
    expect(serve.status).toBe(2);
    expect(serve.stderr).toContain('--serve runs no scenario');
  });

  it('rejects a bad seed with exit code 2', () => {
    const run = start('--seed', 'soon');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--seed must be a non-negative integer');
  });
});

describe('npm start -- --serve', () => {
  it('keeps an endpoint up that the SDK can use, and stops on Ctrl-C', async () => {
    const { spawn } = await import('node:child_process');
    const { ECSClient, ListClustersCommand } = await import('@aws-sdk/client-ecs');
    const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
    const child = spawn(tsx, ['--no-warnings', 'local/main.ts', '--serve', '--port', '0', '--speed', '60'], {
      cwd: PROJECT_ROOT,
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
      });
      const ecs = new ECSClient({
        region: 'us-west-2',
        endpoint: url,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const clusters = await ecs.send(new ListClustersCommand({}));
      expect(clusters.clusterArns?.sort()).toEqual([
        'arn:aws:ecs:us-west-2:123456789012:cluster/web',
        'arn:aws:ecs:us-west-2:123456789012:cluster/workers',
      ]);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });
});
