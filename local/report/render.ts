import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readable } from '../scenarios/report.ts';
import type { RunResult } from '../scenarios/runner.ts';
import type { Marker, Values } from './series.ts';

/**
 * The game-day page: one self-contained HTML file rendered from the `--json` report alone (so
 * `ballast report run.json > run.html` re-renders a saved run). Tables (phases, invariants, markers, the
 * timeline) are plain HTML, readable without scripts and in print; the charts are drawn by uPlot, whose
 * dist file is inlined from node_modules with the page's own script and style. A Content-Security-Policy
 * forbids every fetch: the page works offline and cannot reach the network.
 */

/** What `npm start -- --json` prints: one run, and with `--compare` the other run as `comparison`. */
export type GameDayReport = RunResult & { readonly comparison?: RunResult };

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  /** Which y scale: `y` (left axis) or `y2` (right axis). */
  readonly scale: 'y' | 'y2';
  readonly dash?: boolean;
  readonly width?: number;
  /** Off until the reader clicks its legend entry (a ceiling far above the tasks would flatten them). */
  readonly hidden?: boolean;
  /** The comparison run's series (drawn dashed). */
  readonly comparison?: boolean;
  readonly values: Values;
}

export interface ChartSpec {
  readonly id: string;
  readonly section: 'requests' | 'capacity' | 'hosts' | 'traffic';
  readonly title: string;
  readonly region: string;
  /** Axis labels: left, and right when a series uses `y2`. */
  readonly y: string;
  readonly y2?: string;
  /** Percent axis (values are fractions 0–1). */
  readonly percent?: boolean;
  readonly x: number[];
  readonly series: ChartSeries[];
}

export interface PagePhase {
  readonly name: string;
  readonly from: number;
  readonly until: number;
  readonly handledBy: string | null;
}

/** What the page's script gets: the charts, the phases, the markers (everything drawn comes from the report). */
export interface PageData {
  readonly title: string;
  readonly withBallast: boolean;
  readonly compared: boolean;
  readonly phases: PagePhase[];
  readonly markers: Marker[];
  readonly charts: ChartSpec[];
}

const COLORS = {
  served: '#2e7d32',
  failed: '#c62828',
  desired: '#1565c0',
  running: '#2e7d32',
  pending: '#f9a825',
  min: '#6a1b9a',
  max: '#8d6e63',
  floor: '#00838f',
  ceiling: '#78909c',
  override: '#d84315',
  inService: '#2e7d32',
  launching: '#f9a825',
  draining: '#e65100',
  waiting: '#6a1b9a',
  regions: ['#1565c0', '#d84315', '#2e7d32', '#6a1b9a', '#00838f'],
};

/** Checks that a parsed JSON value is a Ballast `--json` report the page can be drawn from. */
export function parseReport(value: unknown): GameDayReport {
  const problems: string[] = [];
  const check = (run: unknown, at: string) => {
    const r = run as Partial<RunResult> | null;
    if (!r || typeof r !== 'object') {
      problems.push(`${at || 'the report'}: must be an object (the output of npm start -- --json)`);
      return;
    }
    if (typeof r.scenario !== 'string') problems.push(`${at}scenario: missing; is this npm start -- --json output?`);
    if (!Array.isArray(r.timeline)) problems.push(`${at}timeline: missing; is this npm start -- --json output?`);
    if (!Array.isArray(r.invariants)) problems.push(`${at}invariants: missing; is this npm start -- --json output?`);
    if (!r.series || !Array.isArray(r.series.t))
      problems.push(`${at}series: missing; the report predates the game-day page: run npm start -- --json again`);
    if (!Array.isArray(r.markers)) problems.push(`${at}markers: missing; run npm start -- --json again`);
    if (!Array.isArray(r.phases)) problems.push(`${at}phases: missing; run npm start -- --json again`);
  };
  check(value, '');
  const comparison = (value as { comparison?: unknown } | null)?.comparison;
  if (comparison !== undefined) check(comparison, 'comparison.');
  if (problems.length > 0) throw new InvalidReport(problems);
  return value as GameDayReport;
}

export class InvalidReport extends Error {
  override readonly name = 'InvalidReport';
  constructor(readonly problems: string[]) {
    super(`Not a Ballast game-day report:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The phases the page offers: the whole run first, then the scenario's phases. */
export function pagePhases(report: GameDayReport): PagePhase[] {
  return [
    { name: 'whole run', from: 0, until: report.simulatedSeconds, handledBy: null },
    ...report.phases.map((p) => ({ name: p.name, from: p.from, until: p.until, handledBy: p.handledBy })),
  ];
}

/** The charts of a report: requests per region, capacity per service, hosts per group, traffic per record. */
export function chartsOf(report: GameDayReport): ChartSpec[] {
  const main = report.series;
  const other = report.comparison?.series;
  const x = main.t;
  const mode = (run: RunResult) => (run.withBallast ? 'with Ballast' : 'without Ballast');
  const mainMode = mode(report);
  const otherMode = report.comparison ? mode(report.comparison) : '';
  const aligned = (values: Values | undefined): Values => align(x, other?.t ?? [], values);
  const charts: ChartSpec[] = [];

  for (const r of main.requests) {
    const o = other?.requests.find((c) => c.region === r.region);
    const series: ChartSeries[] = [
      { label: `served (${mainMode})`, color: COLORS.served, scale: 'y', values: r.served },
      { label: `failed (${mainMode})`, color: COLORS.failed, scale: 'y2', width: 2, values: r.failed },
    ];
    if (report.comparison) {
      series.push(
        { label: `served (${otherMode})`, color: COLORS.served, scale: 'y', ...cmp, values: aligned(o?.served) },
        { label: `failed (${otherMode})`, color: COLORS.failed, scale: 'y2', ...cmp, values: aligned(o?.failed) },
      );
    }
    charts.push({
      id: `requests-${r.region}`,
      section: 'requests',
      title: `Requests per minute in ${r.region}`,
      region: r.region,
      y: 'served / min',
      y2: 'failed / min',
      x,
      series,
    });
  }

  for (const s of main.services) {
    // A service with neither a configured floor nor a scalable target (a daemon) has no capacity to steer.
    if (s.floor === null && s.min.every((v) => v === null)) continue;
    const o = other?.services.find((c) => c.region === s.region && c.cluster === s.cluster && c.service === s.service);
    const constant = (v: number | null): Values => x.map(() => v);
    const series: ChartSeries[] = [
      { label: 'desired', color: COLORS.desired, scale: 'y', width: 2, values: s.desired },
      { label: 'running', color: COLORS.running, scale: 'y', width: 2, values: s.running },
      { label: 'pending', color: COLORS.pending, scale: 'y', values: s.pending },
      { label: 'min capacity', color: COLORS.min, scale: 'y', values: s.min },
      { label: 'max capacity', color: COLORS.max, scale: 'y', hidden: true, values: s.max },
      { label: 'floor (Ballast)', color: COLORS.floor, scale: 'y', dash: true, values: constant(s.floor) },
      {
        label: 'ceiling (Ballast)',
        color: COLORS.ceiling,
        scale: 'y',
        dash: true,
        hidden: true,
        values: constant(s.ceiling),
      },
      { label: 'override (Ballast)', color: COLORS.override, scale: 'y', width: 4, values: s.override },
    ];
    if (report.comparison)
      series.push({
        label: `running (${otherMode})`,
        color: COLORS.running,
        scale: 'y',
        ...cmp,
        values: aligned(o?.running),
      });
    charts.push({
      id: `capacity-${s.region}-${s.cluster}-${s.service}`,
      section: 'capacity',
      title: `${s.cluster}/${s.service} in ${s.region}: tasks`,
      region: s.region,
      y: 'tasks',
      x,
      series,
    });
  }

  for (const g of main.groups) {
    const o = other?.groups.find((c) => c.region === g.region && c.group === g.group);
    const series: ChartSeries[] = [
      { label: 'desired', color: COLORS.desired, scale: 'y', width: 2, values: g.desired },
      { label: 'in service', color: COLORS.inService, scale: 'y', width: 2, values: g.inService },
      { label: 'launching', color: COLORS.launching, scale: 'y', values: g.launching },
      { label: 'draining', color: COLORS.draining, scale: 'y', width: 3, values: g.draining },
      { label: 'waiting in hook', color: COLORS.waiting, scale: 'y', width: 3, values: g.waiting },
    ];
    if (report.comparison)
      series.push({
        label: `in service (${otherMode})`,
        color: COLORS.inService,
        scale: 'y',
        ...cmp,
        values: aligned(o?.inService),
      });
    charts.push({
      id: `hosts-${g.region}-${g.group}`,
      section: 'hosts',
      title: `${g.group} in ${g.region}${g.cluster ? ` (cluster ${g.cluster})` : ''}: hosts`,
      region: g.region,
      y: 'hosts',
      x,
      series,
    });
  }

  for (const rec of main.traffic) {
    const o = other?.traffic.find((c) => c.record === rec.record);
    const series: ChartSeries[] = [];
    rec.regions.forEach((r, i) => {
      const color = COLORS.regions[i % COLORS.regions.length]!;
      series.push(
        { label: `${r.region}: clients`, color, scale: 'y', width: 2, values: r.clients },
        { label: `${r.region}: records`, color, scale: 'y', dash: true, values: r.records },
      );
      if (report.comparison) {
        const values = aligned(o?.regions.find((c) => c.region === r.region)?.clients);
        series.push({ label: `${r.region}: clients (${otherMode})`, color, scale: 'y', ...cmp, values });
      }
    });
    charts.push({
      id: `traffic-${rec.record}`,
      section: 'traffic',
      title: `Share of ${rec.record} traffic per region`,
      region: 'global',
      y: 'share of clients',
      percent: true,
      x,
      series,
    });
  }
  return charts;
}

const cmp = { comparison: true, dash: true, width: 1 } as const;

/** Values of another run's series placed on this run's sample instants (null where it has none). */
function align(x: number[], otherX: number[], values: Values | undefined): Values {
  if (!values) return x.map(() => null);
  const at = new Map(otherX.map((t, i) => [t, i]));
  return x.map((t) => {
    const i = at.get(t);
    return i === undefined ? null : (values[i] ?? null);
  });
}

export function pageData(report: GameDayReport): PageData {
  return {
    title: pageTitle(report),
    withBallast: report.withBallast,
    compared: report.comparison !== undefined,
    phases: pagePhases(report),
    markers: report.markers,
    charts: chartsOf(report),
  };
}

function pageTitle(report: GameDayReport): string {
  return `Ballast game day: ${report.scenario}, seed ${report.seed}`;
}

const require = createRequire(import.meta.url);

/** The inlined assets: uPlot's dist script and style, the page's script and style. */
function assets() {
  const read = (file: string | URL) => readFileSync(file, 'utf8');
  // uPlot is MIT licensed: its notice travels with every copy of the page.
  const license = read(require.resolve('uplot/LICENSE')).trim().replace(/\*\//g, '* /');
  const uplotJs = `/*! uPlot\n${license}\n*/\n${read(require.resolve('uplot/dist/uPlot.iife.min.js'))}`;
  const uplotCss = read(require.resolve('uplot/dist/uPlot.min.css'));
  const pageJs = read(new URL('./page.js', import.meta.url));
  const pageCss = read(new URL('./page.css', import.meta.url));
  for (const [name, text] of [
    ['uPlot.iife.min.js', uplotJs],
    ['page.js', pageJs],
  ] as const) {
    if (/<\/script/i.test(text)) throw new Error(`${name} contains '</script': it cannot be inlined as is`);
  }
  return { uplotJs, uplotCss, pageJs, pageCss };
}

/** The whole page, as one HTML string. */
export function renderReport(input: GameDayReport): string {
  const report = parseReport(input);
  const data = pageData(report);
  const { uplotJs, uplotCss, pageJs, pageCss } = assets();
  const other = report.comparison;
  const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="icon" href="data:,">
<title>${esc(data.title)}</title>
<style>${uplotCss}</style>
<style>${pageCss}</style>
</head>
<body>
<header>
<h1>${esc(data.title)}</h1>
<p class="lead">${esc(report.description)}</p>
${summary(report, other)}
</header>
<nav class="phases" aria-label="phases">
<span>Show:</span>
${data.phases.map((p, i) => `<button type="button" data-phase="${i}"${i === 0 ? ' aria-pressed="true"' : ''}>${esc(p.name)}</button>`).join('\n')}
</nav>
<main>
<section id="phases"><h2>Phases</h2>${phaseTable(report, other)}</section>
<section id="requests"><h2>Requests served and failed</h2>${chartSlots(data, 'requests')}</section>
<section id="capacity"><h2>Capacity per service</h2>${chartSlots(data, 'capacity')}</section>
<section id="hosts"><h2>Hosts per group</h2>${chartSlots(data, 'hosts')}</section>
<section id="traffic"><h2>Where traffic goes</h2>
<p class="note">Clients: the share of clients whose resolver holds an answer for the region (answers live up to the TTL). Records: what Route 53 answers right now.</p>
${chartSlots(data, 'traffic')}</section>
<section id="invariants"><h2>Invariants</h2>${invariantTable(report, other)}</section>
<section id="markers"><h2>What Ballast did, and what happened to the fleet</h2>${markerTable(report)}</section>
<section id="timeline"><h2>Timeline</h2>${timelineTable(report)}</section>
</main>
<footer>Rendered from the <code>--json</code> report of the run; charts by uPlot (MIT). Re-render a saved run with <code>ballast report run.json &gt; run.html</code>.</footer>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${uplotJs}</script>
<script>${pageJs}</script>
</body>
</html>
`;
}

function mode(run: RunResult): string {
  return run.withBallast ? 'with Ballast' : 'without Ballast';
}

function summary(report: GameDayReport, other?: RunResult): string {
  const runs = other ? [report, other] : [report];
  const rows = [
    ['requests', (r: RunResult) => num(r.requests.total)],
    ['failed requests', (r: RunResult) => num(r.requests.failed)],
    [
      'API calls (throttled, denied)',
      (r: RunResult) => `${num(r.apiCalls.total)} (${r.apiCalls.throttled}, ${r.apiCalls.denied})`,
    ],
    ['executions', (r: RunResult) => num(r.executions.length)],
    ['invariants broken', (r: RunResult) => num(r.invariants.filter((i) => !i.held).length)],
  ] as const;
  return `<table class="summary"><thead><tr><th>seed ${report.seed}, ${esc(clock(report.simulatedSeconds))} simulated</th>${runs.map((r) => `<th>${esc(mode(r))}</th>`).join('')}</tr></thead><tbody>
${rows.map(([label, f]) => `<tr><th>${esc(label)}</th>${runs.map((r) => `<td>${esc(f(r))}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>`;
}

function phaseTable(report: GameDayReport, other?: RunResult): string {
  const rows = [
    { name: 'whole run', from: 0, until: report.simulatedSeconds, handledBy: null, requests: report.requests },
    ...report.phases,
  ];
  const otherOf = (name: string) =>
    name === 'whole run' ? other?.requests : other?.phases.find((p) => p.name === name)?.requests;
  const head = `<tr><th>phase</th><th>from</th><th>until</th><th>Ballast capability</th><th>requests</th><th>failed (${esc(mode(report))})</th>${other ? `<th>failed (${esc(mode(other))})</th>` : ''}</tr>`;
  const body = rows
    .map((p) => {
      const o = otherOf(p.name);
      return `<tr><td>${esc(p.name)}</td><td>${clock(p.from)}</td><td>${clock(p.until)}</td><td>${esc(p.handledBy ?? '—')}</td><td>${num(p.requests.total)}</td><td class="${p.requests.failed > 0 ? 'bad' : 'good'}">${num(p.requests.failed)}</td>${other ? `<td class="${(o?.failed ?? 0) > 0 ? 'bad' : 'good'}">${o ? num(o.failed) : '—'}</td>` : ''}</tr>`;
    })
    .join('\n');
  const notes =
    report.notes.length > 0 ? `<ul class="notes">${report.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return `<table><thead>${head}</thead><tbody>${body}</tbody></table>${notes}`;
}

function invariantTable(report: GameDayReport, other?: RunResult): string {
  const table = (run: RunResult) =>
    `<h3>${esc(mode(run))}</h3><table><thead><tr><th></th><th>invariant</th><th>detail</th></tr></thead><tbody>${run.invariants
      .map(
        (i) =>
          `<tr class="${i.held ? 'good' : 'bad'}"><td>${i.held ? 'HELD' : 'BROKEN'}</td><td>${esc(i.name)}</td><td>${esc(i.detail)}</td></tr>`,
      )
      .join('\n')}</tbody></table>`;
  return table(report) + (other ? table(other) : '');
}

function markerTable(report: GameDayReport): string {
  if (report.markers.length === 0) return '<p>No executions, Ballast events or incidents.</p>';
  return `<p class="note">Executions, Ballast's events and the scenario's incidents, as marked on the charts; each links to its timeline line.</p>
<table><thead><tr><th>time</th><th>until</th><th>region</th><th>kind</th><th>what</th><th>line</th></tr></thead><tbody>
${report.markers
  .map(
    (m) =>
      `<tr class="marker-${esc(cssName(m.kind))}"><td>${clock(m.t)}</td><td>${m.until == null ? '' : clock(m.until)}</td><td>${esc(m.region)}</td><td>${esc(m.kind)}</td><td>${esc(m.label)}</td><td>${m.line === null ? '' : `<a href="#line-${m.line}">#${m.line}</a>`}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`;
}

function timelineTable(report: GameDayReport): string {
  return `<table class="timeline"><thead><tr><th>#</th><th>time</th><th>region</th><th>kind</th><th>detail</th></tr></thead><tbody>
${report.timeline
  .map(
    (e, i) =>
      `<tr id="line-${i}"><td>${i}</td><td>${clock(e.t)}</td><td>${esc(e.region)}</td><td>${esc(e.kind)}</td><td>${esc(readable(e.detail))}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`;
}

function chartSlots(data: PageData, section: ChartSpec['section']): string {
  const charts = data.charts.filter((c) => c.section === section);
  if (charts.length === 0) return '<p>Nothing to draw in this run.</p>';
  return `<div class="charts">${charts
    .map(
      (c) =>
        `<figure class="chart" id="${esc(c.id)}"><figcaption>${esc(c.title)}</figcaption><div class="plot"></div></figure>`,
    )
    .join('\n')}</div>`;
}

/** Text for HTML content and attribute values. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside a <script> element: no '<' can close it. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function cssName(kind: string): string {
  return kind.replace(/[^a-z0-9-]/gi, '-');
}

function num(n: number): string {
  return n.toLocaleString('en-US');
}

/** Seconds as hh:mm (days as d.hh:mm). */
export function clock(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const rest = seconds % 86_400;
  const hh = String(Math.floor(rest / 3600)).padStart(2, '0');
  const mm = String(Math.floor((rest % 3600) / 60)).padStart(2, '0');
  const ss = rest % 60;
  return `${days > 0 ? `${days}.` : ''}${hh}:${mm}${ss ? `:${String(ss).padStart(2, '0')}` : ''}`;
}
