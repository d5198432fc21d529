import { describe, expect, it } from 'vitest';
import { reportJson } from '#local/report/json.ts';
import {
  chartsOf,
  clock,
  type GameDayReport,
  InvalidReport,
  type PageData,
  pageData,
  parseReport,
  renderReport,
} from '#local/report/render.ts';
import { isMarkerKind } from '#local/report/series.ts';
import type { RunResult } from '#local/scenarios/runner.ts';
import { reportCommand } from '../../../cli/report.ts';

/** A small run of five sampled minutes, with the shapes `npm start -- --json` writes. */
function run(withBallast: boolean, failed: number[]): RunResult {
  const t = [0, 60, 120, 180, 240];
  return {
    scenario: 'tiny',
    description: 'a scale-in & a <surge>',
    seed: 4,
    withBallast,
    simulatedSeconds: 240,
    realSeconds: 0.5,
    requests: { total: 4000, failed: failed.reduce((a, b) => a + b, 0) },
    apiCalls: { total: 12, throttled: 0, denied: 0 },
    executions: withBallast
      ? [{ stateMachine: 'ballast-drain-host', name: 'x', status: 'SUCCEEDED', transitions: 9 }]
      : [],
    invariants: [
      {
        name: 'no request failed',
        held: failed.every((f) => f === 0),
        detail: `${failed.reduce((a, b) => a + b, 0)} failed`,
      },
    ],
    notes: ["phase 'scale-in': 0 of 2,000 requests failed"],
    timeline: [
      { t: 0, region: 'us-east-1', kind: 'fleet-built', detail: '1 cluster' },
      { t: 60, region: 'us-east-1', kind: 'incident', detail: 'scale-in <web-hosts> 3 → 2 & "now"' },
      {
        t: 61,
        region: 'us-east-1',
        kind: 'ballast-event',
        detail: 'Drain Started: i-0abc</script><script>alert(1)</script>',
      },
    ],
    phases: [
      {
        name: 'scale-in',
        from: 60,
        until: 180,
        handledBy: 'host draining',
        requests: { total: 2000, failed: (failed[1] ?? 0) + (failed[2] ?? 0) },
        regions: {},
      },
    ],
    markers: [
      { t: 60, region: 'us-east-1', kind: 'incident', label: 'scale-in <web-hosts> 3 → 2 & "now"', line: 1 },
      { t: 61, until: 120, region: 'us-east-1', kind: 'execution', label: 'ballast-drain-host SUCCEEDED: x', line: 2 },
      { t: 61, region: 'us-east-1', kind: 'ballast-event', label: 'Drain Started: i-0abc</script>', line: 2 },
    ],
    series: {
      t,
      requests: [
        {
          region: 'us-east-1',
          served: [1000, 1000, 1000, 1000, null].map((v, i) => (v === null ? null : v - (failed[i] ?? 0))),
          failed: [...failed.slice(0, 4), null],
        },
      ],
      services: [
        {
          region: 'us-east-1',
          cluster: 'web',
          service: 'api',
          floor: 2,
          ceiling: 8,
          desired: [3, 3, 3, 3, 3],
          running: [3, 2, 3, 3, 3],
          pending: [0, 1, 0, 0, 0],
          min: [2, 2, 2, 2, 2],
          max: [8, 8, 8, 8, 8],
          override: [null, null, null, null, null],
        },
        {
          region: 'us-east-1',
          cluster: 'web',
          service: 'log-router',
          floor: null,
          ceiling: null,
          desired: [3, 3, 2, 2, 2],
          running: [3, 3, 2, 2, 2],
          pending: [0, 0, 0, 0, 0],
          min: [null, null, null, null, null],
          max: [null, null, null, null, null],
          override: [null, null, null, null, null],
        },
      ],
      groups: [
        {
          region: 'us-east-1',
          group: 'web-hosts',
          cluster: 'web',
          desired: [3, 2, 2, 2, 2],
          inService: [3, 2, 2, 2, 2],
          launching: [0, 0, 0, 0, 0],
          draining: [0, 1, 0, 0, 0],
          waiting: [0, 1, 0, 0, 0],
        },
      ],
      traffic: [
        {
          record: 'api.example.com',
          regions: [
            { region: 'us-east-1', clients: [1, 1, 1, 1, 1], records: [1, 1, 1, 1, 1] },
            { region: 'us-west-2', clients: [0, 0, 0, 0, 0], records: [0, 0, 0, 0, 0] },
          ],
        },
      ],
    },
  };
}

const compared = (): GameDayReport => ({ ...run(true, [0, 0, 0, 0]), comparison: run(false, [0, 25, 5, 0]) });

/** The data the page's script draws from, read back out of the HTML. */
function embedded(html: string): PageData {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error('no #report-data in the page');
  return JSON.parse(match[1]!) as PageData;
}

describe('the game-day page renderer', () => {
  it('embeds the chart data, phases and markers of the report in the page', () => {
    const report = compared();
    const html = renderReport(report);
    const data = embedded(html);

    expect(data).toEqual(JSON.parse(JSON.stringify(pageData(report))));
    expect(data.phases.map((p) => p.name)).toEqual(['whole run', 'scale-in']);
    const requests = data.charts.find((c) => c.id === 'requests-us-east-1');
    expect(requests?.series.map((s) => [s.label, s.values])).toEqual([
      ['served (with Ballast)', [1000, 1000, 1000, 1000, null]],
      ['failed (with Ballast)', [0, 0, 0, 0, null]],
      ['served (without Ballast)', [1000, 975, 995, 1000, null]],
      ['failed (without Ballast)', [0, 25, 5, 0, null]],
    ]);
    expect(data.markers).toHaveLength(3);
  });

  it('escapes timeline text, marker labels and the description, in HTML and in the embedded JSON', () => {
    const html = renderReport(compared());

    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<web-hosts>');
    expect(html).toContain('scale-in &#60;web-hosts&#62; 3 → 2 &#38; &#34;now&#34;');
    expect(html).toContain('a scale-in &#38; a &#60;surge&#62;');
    // Exactly the page's own three scripts close: nothing from the data ends a <script> element early.
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(embedded(html).markers[2]?.label).toBe('Drain Started: i-0abc</script>');
  });

  it('links every marker to its timeline line', () => {
    const html = renderReport(compared());
    expect(html).toContain('<tr id="line-2"><td>2</td>');
    expect(html.match(/<a href="#line-\d+">/g)).toEqual([
      '<a href="#line-1">',
      '<a href="#line-2">',
      '<a href="#line-2">',
    ]);
  });

  it('is self-contained: uPlot and the page script inline, a policy that forbids every fetch, no external URL', () => {
    const html = renderReport(compared());

    expect(html).toContain(
      `content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"`,
    );
    expect(html).toContain('https://github.com/leeoniya/uPlot (v1.6.32)');
    expect(html).toContain('Copyright (c) 2022 Leon Sorokin');
    expect(html).toContain('window.ballastReport');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+rel="stylesheet"/);
    expect(html).not.toMatch(/@import|@font-face/);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect(html).toContain('@media print');
  });

  it('shows the invariants and the phase figures of both runs with --compare', () => {
    const html = renderReport(compared());

    expect(html).toContain('<h3>with Ballast</h3>');
    expect(html).toContain('<h3>without Ballast</h3>');
    expect(html).toContain('<tr class="bad"><td>BROKEN</td><td>no request failed</td><td>30 failed</td></tr>');
    expect(html).toMatch(
      /<td>scale-in<\/td><td>00:01<\/td><td>00:03<\/td><td>host draining<\/td><td>2,000<\/td><td class="good">0<\/td><td class="bad">30<\/td>/,
    );
    expect(html).toContain('phase &#39;scale-in&#39;: 0 of 2,000 requests failed');
  });

  it('draws capacity with floor, ceiling and override, skips daemons, and marks draining and waiting hosts', () => {
    const charts = chartsOf(compared());

    expect(charts.map((c) => c.id)).toEqual([
      'requests-us-east-1',
      'capacity-us-east-1-web-api',
      'hosts-us-east-1-web-hosts',
      'traffic-api.example.com',
    ]);
    const capacity = charts[1]!;
    expect(capacity.series.find((s) => s.label === 'floor (Ballast)')?.values).toEqual([2, 2, 2, 2, 2]);
    expect(capacity.series.find((s) => s.label === 'ceiling (Ballast)')).toMatchObject({
      hidden: true,
      values: [8, 8, 8, 8, 8],
    });
    expect(capacity.series.map((s) => s.label)).toContain('override (Ballast)');
    expect(capacity.series.at(-1)).toMatchObject({ label: 'running (without Ballast)', comparison: true, dash: true });
    const hosts = charts[2]!;
    expect(hosts.series.find((s) => s.label === 'draining')?.values).toEqual([0, 1, 0, 0, 0]);
    expect(hosts.series.find((s) => s.label === 'waiting in hook')?.values).toEqual([0, 1, 0, 0, 0]);
    expect(charts[3]!.percent).toBe(true);
  });

  it('renders a single run without comparison series', () => {
    const charts = chartsOf(run(true, [0, 0, 0, 0]));
    expect(charts[0]!.series.map((s) => s.label)).toEqual(['served (with Ballast)', 'failed (with Ballast)']);
    expect(renderReport(run(true, [0, 0, 0, 0]))).not.toContain('without Ballast');
  });

  it('rejects a report without the page series, naming the field and the fix', () => {
    const { series: _s, markers: _m, phases: _p, ...old } = run(true, [0, 0, 0, 0]);
    expect(() => parseReport(old)).toThrow(InvalidReport);
    expect(() => parseReport(old)).toThrow(
      /series: missing; the report predates the game-day page: run npm start -- --json again/,
    );
    expect(() => parseReport({ ...run(true, [0]), comparison: { scenario: 'x' } })).toThrow(
      /comparison\.timeline: missing/,
    );
    expect(() => parseReport(null)).toThrow(/the report: must be an object/);
  });
});

describe('reportJson', () => {
  it('writes arrays of numbers on one line and everything else as JSON.stringify(…, null, 2) does', () => {
    const value = { a: [1, null, 2.5], b: { c: ['x', 'y'], d: [{ e: 1 }], f: [] }, g: 'z', h: undefined };
    const text = reportJson(value);

    expect(text).toContain('"a": [1,null,2.5]');
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
    const plain = {
      scenario: 's',
      notes: ['one', 'two'],
      timeline: [{ t: 0, kind: 'k' }],
      nested: { x: true, y: null },
    };
    expect(reportJson(plain)).toBe(JSON.stringify(plain, null, 2));
  });
});

describe('markers and clock', () => {
  it('marks incidents and every line Ballast wrote, whatever its kind', () => {
    expect(['incident', 'ballast-event', 'ballast-override', 'alarm', 'requests-failed'].filter(isMarkerKind)).toEqual([
      'incident',
      'ballast-event',
      'ballast-override',
    ]);
  });

  it('writes seconds as hh:mm, with seconds and days when there are any', () => {
    expect([0, 60, 1802, 36_000, 90_000].map(clock)).toEqual(['00:00', '00:01', '00:30:02', '10:00', '1.01:00']);
  });
});

describe('ballast report', () => {
  const io = (files: Record<string, string>) => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        out: (t: string) => out.push(t),
        err: (l: string) => err.push(l),
        read: (p: string) => {
          if (!(p in files)) throw new Error(`ENOENT: no such file, open '${p}'`);
          return files[p]!;
        },
      },
    };
  };

  it('renders a saved run, also one saved with npm’s banner in front', () => {
    const saved = `\n> ballast@0.1.0 start\n> tsx local/main.ts --json\n\n${reportJson(compared())}\n`;
    const { out, err, io: cli } = io({ 'run.json': saved });

    expect(reportCommand(['run.json'], cli)).toBe(0);
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    expect(embedded(out[0]!)).toEqual(JSON.parse(JSON.stringify(pageData(compared()))));
  });

  it('exits 2 with the reason for a missing file, a file that is not JSON, or JSON that is not a report', () => {
    const { err, io: cli } = io({ 'bad.json': '{ nope', 'old.json': '{"scenario":"x","timeline":[],"invariants":[]}' });

    expect(reportCommand([], cli)).toBe(2);
    expect(reportCommand(['missing.json'], cli)).toBe(2);
    expect(reportCommand(['bad.json'], cli)).toBe(2);
    expect(reportCommand(['old.json'], cli)).toBe(2);
    expect(err[0]).toContain('report needs exactly one file');
    expect(err[1]).toContain('cannot read missing.json: ENOENT');
    expect(err[2]).toContain('bad.json is not JSON');
    expect(err[3]).toContain('old.json: Not a Ballast game-day report');
    expect(err[3]).toContain('series: missing');
  });
});
