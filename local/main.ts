import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import exampleConfig from '../ballast.config.ts';
import { LocalCloud } from './cloud.ts';
import { reportJson } from './report/json.ts';
import { renderReport } from './report/render.ts';
import { SCENARIOS, scenarioNamed } from './scenarios/index.ts';
import { formatReport } from './scenarios/report.ts';
import { runScenario } from './scenarios/runner.ts';
import type { Scenario } from './scenarios/types.ts';

/**
 * `npm start`: boots the local cloud, deploys Ballast from its synthesized templates, runs a game day and
 * prints what happened. See README "The local cloud".
 */
const usage = `Usage: npm start -- [options]
  --scenario NAME     one of: ${Object.keys(SCENARIOS).join(', ')} (default gameday)
  --seed N            random seed (default 1); the same seed gives the same timeline
  --json              print one JSON object instead of the readable report
  --without-ballast   run the same scenario with no control plane deployed
  --compare           run it both ways and print the difference
  --report PATH       where to write the game-day page (default reports/<scenario>-seed-<seed>.html)
  --no-report         do not write the page
  --serve             keep the endpoint up for the AWS CLI and SDKs (Ctrl-C to stop)
  --port P            port for --serve (default 4566)
  --speed N           with --serve: simulated seconds per real second (default 1)`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'gameday' },
      seed: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      'without-ballast': { type: 'boolean', default: false },
      compare: { type: 'boolean', default: false },
      report: { type: 'string' },
      'no-report': { type: 'boolean', default: false },
      serve: { type: 'boolean', default: false },
      port: { type: 'string', default: '4566' },
      speed: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0)
    throw new UsageError(`--seed must be a non-negative integer, got '${values.seed}'`);
  if (values.report !== undefined && values['no-report'])
    throw new UsageError('--report and --no-report contradict each other: choose one');
  if (values.report === '') throw new UsageError('--report needs a file path, e.g. --report run.html');
  if (values.serve && values.report !== undefined)
    throw new UsageError('--report writes the page of a game-day run; --serve runs no scenario: drop one');
  if (values.serve) return serve(seed, Number(values.port), Number(values.speed), !values['without-ballast']);
  const scenario = scenarioNamed(values.scenario);
  if (!scenario)
    throw new UsageError(`unknown scenario '${values.scenario}': choose one of ${Object.keys(SCENARIOS).join(', ')}`);
  if (values.compare && scenario.variants) return compareVariants(scenario, seed, values.json === true);
  const result = await runScenario(scenario, { seed, withBallast: !values['without-ballast'] });
  const other = values.compare
    ? await runScenario(scenario, { seed, withBallast: values['without-ballast'] })
    : undefined;
  const json = reportJson(other ? { ...result, comparison: other } : result);
  // The page is rendered from the JSON text itself: it can show nothing that --json does not carry.
  const page = values['no-report']
    ? undefined
    : writePage(values.report ?? path.join('reports', `${scenario.name}-seed-${seed}.html`), json);
  if (values.json) {
    console.log(json);
    if (page) console.error(`Game-day page: ${page}`);
  } else {
    console.log(formatReport(result, other));
    if (page) console.log(`\nGame-day page: ${page} (open it in a browser; it needs no network)`);
  }
  return result.invariants.every((i) => i.held) ? 0 : 1;
}

/**
 * `--compare` for a scenario with variants: each variant (the same fleet and failure, handled another way) is
 * run once; the report prints each one's notes side by side (`--json`: every run's report, in order).
 */
// biome-ignore lint/suspicious/noExplicitAny: each scenario has its own state type.
async function compareVariants(scenario: Scenario<any>, seed: number, json: boolean): Promise<number> {
  const runs = [];
  for (const variant of scenario.variants?.() ?? [])
    runs.push({
      label: variant.label,
      result: await runScenario(variant.scenario, { seed, withBallast: variant.withBallast }),
    });
  if (json) {
    console.log(reportJson({ scenario: scenario.name, seed, variants: runs }));
  } else {
    console.log(`Ballast game day: scenario '${scenario.name}', seed ${seed}, compared ${runs.length} ways`);
    console.log(scenario.description);
    for (const { label, result } of runs) {
      console.log('');
      console.log(
        `${label}: ${result.requests.failed.toLocaleString('en-US')} of ${result.requests.total.toLocaleString('en-US')} requests failed`,
      );
      for (const note of result.notes) console.log(`  ${note}`);
      for (const inv of result.invariants) console.log(`  ${inv.held ? 'ok  ' : 'FAIL'} ${inv.name}: ${inv.detail}`);
    }
  }
  return runs.every((r) => r.result.invariants.every((i) => i.held)) ? 0 : 1;
}

function writePage(file: string, json: string): string {
  const html = renderReport(JSON.parse(json));
  const target = path.resolve(file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, html);
  const relative = path.relative(process.cwd(), target);
  return relative.startsWith('..') || path.isAbsolute(relative) ? target : relative;
}

async function serve(seed: number, port: number, speed: number, withBallast: boolean): Promise<number> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError('--port must be a port number');
  if (!(speed > 0)) throw new UsageError('--speed must be a positive number');
  const cloud = await LocalCloud.start({ config: exampleConfig, seed, withBallast, port });
  const url = cloud.endpoint.url;
  console.log(`Local cloud listening on ${url} (virtual time at ${speed}x, seed ${seed}${withBallast ? '' : ', without Ballast'})
Point the AWS CLI or an SDK at it:
  export AWS_ENDPOINT_URL=${url} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=${cloud.config.primaryRegion}
  aws ecs list-clusters
  aws ecs list-container-instances --cluster web
  aws autoscaling describe-auto-scaling-groups
  aws stepfunctions list-state-machines
  aws route53 list-hosted-zones
  aws dynamodb list-tables
Ctrl-C stops it.`);
  let busy = false;
  const tickMs = 100;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    cloud.world.clock.runFor(tickMs * speed).finally(() => {
      busy = false;
    });
  }, tickMs);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  clearInterval(timer);
  await cloud.stop();
  return 0;
}

class UsageError extends Error {}

/**
 * Exits once stdout and stderr have drained: `process.exit` right after a large write to a pipe drops what
 * is still buffered (a `--json` report over 64 KiB arrived cut short in a pipeline).
 */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

main().then(exitAfterFlush, (error: unknown) => {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    exitAfterFlush(2);
    return;
  }
  console.error(error);
  exitAfterFlush(1);
});
