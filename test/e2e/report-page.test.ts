import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '#infra/function-factory.ts';
import { reportJson } from '#local/report/json.ts';
import { type PageData, renderReport } from '#local/report/render.ts';
import { gameday } from '#local/scenarios/gameday.ts';
import { runScenario } from '#local/scenarios/runner.ts';

/**
 * The game-day page as a reader opens it: Debian's Chromium, headless, with a fresh profile and every
 * background service off. Skipped (never passed) where /usr/bin/chromium is absent; `.ci/run` installs it
 * when it can.
 */
const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = path.join(PROJECT_ROOT, 'test-output', 'report-page');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface DrawnChart {
  id: string;
  labels: string[];
  data: Array<Array<number | null>>;
  /** Pixels in the plotting area that are not background. */
  inked: number;
}

describe('the game-day page in Chromium', () => {
  it.skipIf(!existsSync(CHROMIUM))(
    'loads offline with no console error, draws every chart in every phase, and shows what Ballast changed',
    async () => {
      // Arrange: the default game day both ways, rendered from the --json text exactly as npm start writes it.
      const withBallast = await runScenario(gameday, { seed: 1, withBallast: true });
      const without = await runScenario(gameday, { seed: 1, withBallast: false });
      const json = reportJson({ ...withBallast, comparison: without });
      mkdirSync(OUTPUT, { recursive: true });
      const file = path.join(OUTPUT, 'gameday-compare.html');
      writeFileSync(file, renderReport(JSON.parse(json)));
      const url = pathToFileURL(file).href;

      const profile = mkdtempSync(path.join(tmpdir(), 'ballast-chromium-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: FLAGS,
        viewport: { width: 1366, height: 900 },
      });
      try {
        const requests: string[] = [];
        const problems: string[] = [];
        context.on('request', (request) => requests.push(request.url()));
        const page = await context.newPage();
        page.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
        });
        page.on('pageerror', (error) => problems.push(error.message));

        // Act
        await page.goto(url, { waitUntil: 'load' });
        await page.waitForFunction(() => 'ballastReport' in globalThis);
        const drawn = await page.evaluate(() => {
          const report = (globalThis as unknown as { ballastReport: BrowserReport }).ballastReport;
          return {
            phases: report.data.phases,
            charts: report.plots.map(({ id, plot }) => {
              const { ctx, bbox } = plot;
              const pixels = ctx.getImageData(bbox.left, bbox.top, bbox.width, bbox.height).data;
              let inked = 0;
              for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3]! > 0) inked++;
              return { id, labels: plot.series.map((s) => String(s.label)), data: plot.data, inked };
            }),
          };
        });
        await page.screenshot({ path: path.join(OUTPUT, 'gameday-compare.png') });
        await page.screenshot({ path: path.join(OUTPUT, 'gameday-compare-full.png'), fullPage: true });
        // The phase buttons zoom every chart to the phase.
        const phase = drawn.phases[1]!;
        await page.click(`nav.phases button[data-phase="1"]`);
        const scales = await page.evaluate(() =>
          (globalThis as unknown as { ballastReport: BrowserReport }).ballastReport.plots.map(
            ({ plot }) => [plot.scales.x?.min, plot.scales.x?.max] as const,
          ),
        );
        await page.screenshot({ path: path.join(OUTPUT, `gameday-compare-phase-1.png`) });

        // Assert: offline and clean.
        expect(requests).toEqual([url]);
        expect(problems).toEqual([]);

        // Every kind of chart is there, every chart has ink and data in every phase (and the whole run).
        const charts = drawn.charts as DrawnChart[];
        const ids = charts.map((c) => c.id);
        for (const section of ['requests-', 'capacity-', 'hosts-', 'traffic-'])
          expect(
            ids.some((id) => id.startsWith(section)),
            section,
          ).toBe(true);
        for (const chart of charts) {
          expect(chart.inked, `${chart.id} has nothing drawn`).toBeGreaterThan(0);
          for (const p of drawn.phases) {
            const x = chart.data[0]!;
            const inPhase = x.flatMap((t, i) => (t !== null && t >= p.from && t < p.until ? [i] : []));
            const has = chart.data.slice(1).some((values) => inPhase.some((i) => values[i] != null));
            expect(has, `${chart.id} has no data in phase '${p.name}'`).toBe(true);
          }
        }

        // Where the scenario says Ballast acts, fewer requests fail with it than without it, on the page.
        const handled = withBallast.phases.filter((p) => p.handledBy !== null);
        expect(handled.map((p) => p.name)).toContain('night-time scale-in');
        for (const p of handled) {
          const failed = (label: string) =>
            charts
              .filter((c) => c.id.startsWith('requests-'))
              .reduce((sum, c) => {
                const column = c.data[c.labels.indexOf(label)] ?? [];
                const x = c.data[0] ?? [];
                return (
                  sum +
                  x.reduce<number>(
                    (s, t, i) => s + (t !== null && t >= p.from && t < p.until ? (column[i] ?? 0) : 0),
                    0,
                  )
                );
              }, 0);
          const withIt = failed('failed (with Ballast)');
          const withoutIt = failed('failed (without Ballast)');
          expect(withIt, `phase '${p.name}'`).toBe(p.requests.failed);
          expect(withoutIt, `phase '${p.name}'`).toBe(without.phases.find((q) => q.name === p.name)!.requests.failed);
          expect(withIt, `phase '${p.name}': failed with Ballast vs without`).toBeLessThan(withoutIt);
        }
        expect(scales.every(([min, max]) => min === phase.from && max === phase.until)).toBe(true);
      } finally {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      }
    },
    240_000,
  );
});

/** What the page's script exposes (see local/report/page.js). */
interface BrowserReport {
  data: PageData;
  plots: Array<{
    id: string;
    plot: {
      ctx: { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
      bbox: { left: number; top: number; width: number; height: number };
      series: Array<{ label?: unknown }>;
      data: Array<Array<number | null>>;
      scales: Record<string, { min?: number; max?: number } | undefined>;
    };
  }>;
}
