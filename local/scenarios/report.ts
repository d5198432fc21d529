import type { RunResult } from './runner.ts';

const REPEATING_KINDS = new Set(['requests-failed', 'alarm', 'scaling', 'desired-count']);

/** The readable report `npm start` prints: a timeline, then a summary. */
export function formatReport(result: RunResult, comparison?: RunResult): string {
  const lines: string[] = [];
  const mode = result.withBallast ? 'with Ballast' : 'WITHOUT Ballast';
  lines.push(`Ballast game day: scenario '${result.scenario}', seed ${result.seed}, ${mode}`);
  if (result.description) lines.push(result.description);
  lines.push('');
  lines.push('Timeline (simulated time since start)');
  const regionWidth = Math.max(6, ...result.timeline.map((e) => e.region.length));
  const kindWidth = Math.max(10, ...result.timeline.map((e) => e.kind.length));
  const line = (entry: RunResult['timeline'][number]) =>
    `  ${clock(entry.t)}  ${entry.region.padEnd(regionWidth)}  ${entry.kind.padEnd(kindWidth)}  ${readable(entry.detail)}`;
  // A long run of per-minute lines of one kind (failed requests, alarm flaps) is shown as its first and last line.
  const entries = result.timeline;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    let j = i;
    while (j + 1 < entries.length && entries[j + 1]!.kind === entry.kind && entries[j + 1]!.region === entry.region)
      j++;
    if (j - i >= 3 && REPEATING_KINDS.has(entry.kind)) {
      lines.push(line(entry));
      lines.push(
        `  ${' '.repeat(9)}  ${' '.repeat(regionWidth)}  ${' '.repeat(kindWidth)}  … ${j - i - 1} more like it …`,
      );
      lines.push(line(entries[j]!));
      i = j;
    } else {
      lines.push(line(entry));
    }
  }
  lines.push('');
  lines.push('Summary');
  lines.push(`  simulated ${clock(result.simulatedSeconds)} in ${result.realSeconds.toFixed(2)} s real time`);
  lines.push(
    `  requests: ${result.requests.total.toLocaleString('en-US')} served or attempted, ${result.requests.failed.toLocaleString('en-US')} failed`,
  );
  lines.push(
    `  API calls: ${result.apiCalls.total} (${result.apiCalls.throttled} throttled, ${result.apiCalls.denied} denied)`,
  );
  const byStatus = new Map<string, number>();
  for (const e of result.executions)
    byStatus.set(`${e.stateMachine} ${e.status}`, (byStatus.get(`${e.stateMachine} ${e.status}`) ?? 0) + 1);
  lines.push(
    `  executions: ${result.executions.length}${byStatus.size ? ` (${[...byStatus].map(([k, n]) => `${n} ${k}`).join(', ')})` : ''}`,
  );
  for (const note of result.notes) lines.push(`  ${note}`);
  lines.push('  invariants:');
  for (const inv of result.invariants) lines.push(`    ${inv.held ? 'HELD  ' : 'BROKEN'}  ${inv.name}: ${inv.detail}`);
  if (comparison) {
    lines.push('');
    lines.push(`Compared with the same scenario and seed ${comparison.withBallast ? 'with' : 'without'} Ballast:`);
    lines.push(`  failed requests ${result.requests.failed} vs ${comparison.requests.failed}`);
  }
  return lines.join('\n');
}

/** Target-tracking alarm names carry a UUID; in the readable report `web/api AlarmHigh` says enough. */
export function readable(detail: string): string {
  return detail.replace(/TargetTracking-service\/([^\s,()]+?)-(AlarmHigh|AlarmLow)-[0-9a-f-]{36}/g, '$1 $2');
}

/** Seconds as [d.]hh:mm:ss. */
export function clock(totalSeconds: number): string {
  const days = Math.floor(totalSeconds / 86_400);
  const rest = totalSeconds % 86_400;
  const hh = String(Math.floor(rest / 3600)).padStart(2, '0');
  const mm = String(Math.floor((rest % 3600) / 60)).padStart(2, '0');
  const ss = String(rest % 60).padStart(2, '0');
  return `${days > 0 ? `${days}.` : '+'}${hh}:${mm}:${ss}`;
}
