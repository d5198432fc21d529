import { beforeAll, describe, expect, it } from 'vitest';
import { validateInput } from '#functions/emergency-scaling/core/raise.ts';
import { buildApp } from '#infra/app.ts';
import { routeAsl } from '#local/deploy/asl.ts';
import { EMERGENCY_SCALE_STATES as S } from '#state-machines/emergency-scale.ts';
import { scalingConfig, T0 } from '#test/support/scaling-fleet.ts';
import { definitionFromTemplate, runStateMachine, type TaskRoute } from '#test/support/sfn.ts';
import { synthTemplate, testApp } from '#test/support/stack.ts';
import exampleConfig from '../../ballast.config.ts';

/**
 * Malformed console inputs fail at the first Task, 'Validate Input' (after the Pass that wraps the input), naming the field, and nothing else
 * runs: every other Task is routed to a function that records a call (there must be none).
 */
let definition: Record<string, unknown>;
beforeAll(() => {
  const { stacks } = buildApp({ app: testApp(), config: exampleConfig, nag: false });
  definition = definitionFromTemplate(synthTemplate(stacks[0]!), 'ballast-emergency-scale');
});

const reason = 'CloudWatch impaired';
const MALFORMED: [string, unknown, RegExp][] = [
  ['not an object', 'raise', /^\(input\): must be a JSON object/],
  ['an array', [{ action: 'raise' }], /^\(input\): must be a JSON object/],
  ['a number', 42, /^\(input\): must be a JSON object/],
  ['no action', { reason }, /^action: is missing/],
  ['an unknown action', { action: 'scale-up', reason }, /^action: must be 'raise', 'plan' or 'extend'/],
  ['restore sent to the raise workflow', { action: 'restore' }, /^action: must be/],
  ['no reason', { action: 'raise' }, /^reason: /],
  ['an empty reason', { action: 'raise', reason: '  ' }, /^reason: must say why/],
  ['a reason too long', { action: 'raise', reason: 'x'.repeat(600) }, /^reason: must be at most 512/],
  ['a numeric reason', { action: 'raise', reason: 42 }, /^reason: /],
  ['an unknown field', { action: 'raise', reason, force: true }, /^force: unknown field; remove it/],
  ['two unknown fields', { action: 'raise', reason, a: 1, b: 2 }, /^a, b: unknown fields; remove them/],
  ['a negative percent', { action: 'raise', reason, percent: -10 }, /^percent: must be a positive percentage/],
  ['a zero percent', { action: 'raise', reason, percent: 0 }, /^percent: must be a positive/],
  ['a percent too large', { action: 'raise', reason, percent: 5000 }, /^percent: must be at most 900/],
  ['a string percent', { action: 'raise', reason, percent: '50' }, /^percent: must be a number/],
  ['a multiplier below 1', { action: 'raise', reason, multiplier: 0.5 }, /^multiplier: must be at least 1/],
  ['a multiplier above 10', { action: 'raise', reason, multiplier: 11 }, /^multiplier: must be at most 10/],
  [
    'percent and multiplier',
    { action: 'raise', reason, percent: 10, multiplier: 2 },
    /^percent, multiplier: give at most one/,
  ],
  [
    'counts and percent',
    { action: 'raise', reason, percent: 10, counts: { 'web/api': 3 } },
    /^percent, counts: give at most one/,
  ],
  [
    'a fractional count',
    { action: 'raise', reason, counts: { 'web/api': 2.5 } },
    /^counts\.web\/api: must be a whole number/,
  ],
  ['a negative count', { action: 'raise', reason, counts: { 'web/api': -1 } }, /^counts\.web\/api: must be at least 0/],
  [
    'a count for an unknown service',
    { action: 'raise', reason, counts: { 'web/nope': 3 } },
    /^services: 'web\/nope' is not a configured service/,
  ],
  [
    'a malformed service key in counts',
    { action: 'raise', reason, counts: { api: 3 } },
    /^counts\.api: must be '<cluster>\/<service>'/,
  ],
  ['empty counts', { action: 'raise', reason, counts: {} }, /^counts: must name at least one service/],
  [
    'an unknown tier',
    { action: 'raise', reason, scope: { tier: 'gold' } },
    /^scope\.tier: must be 'critical', 'standard' or 'batch'/,
  ],
  [
    'an empty services list',
    { action: 'raise', reason, scope: { services: [] } },
    /^scope\.services: must name at least one service/,
  ],
  [
    'an unknown service',
    { action: 'raise', reason, scope: { services: ['web/payments'] } },
    /^services: 'web\/payments' is not a configured service/,
  ],
  [
    'a service without cluster',
    { action: 'raise', reason, scope: { services: ['api'] } },
    /^scope\.services\.0: must be '<cluster>\/<service>'/,
  ],
  [
    'a tier and services',
    { action: 'raise', reason, scope: { tier: 'critical', services: ['web/api'] } },
    /^scope: give a tier or services, not both/,
  ],
  ['an unknown scope field', { action: 'raise', reason, scope: { cluster: 'web' } }, /^cluster: unknown field/],
  ['zero hours', { action: 'raise', reason, hours: 0 }, /^hours: must be a positive number of hours/],
  ['hours beyond 72', { action: 'raise', reason, hours: 100 }, /^hours: must be at most 72 hours/],
  ['hours as text', { action: 'raise', reason, hours: '6' }, /^hours: must be a number of hours/],
  ['a malformed requestId', { action: 'raise', reason, requestId: 'inc 42!' }, /^requestId: must be 1-64 letters/],
  ['a malformed owner', { action: 'raise', reason, owner: 'Alice Smith' }, /^owner: must be 1-64 letters/],
  ['a non-boolean dryRun', { action: 'raise', reason, dryRun: 'yes' }, /^dryRun: must be true or false/],
  ['extend without hours', { action: 'extend' }, /^hours: must be a number of hours/],
  ['extend with a scope', { action: 'extend', hours: 2, scope: { tier: 'critical' } }, /^scope: unknown field/],
  ['plan with dryRun', { action: 'plan', dryRun: false }, /^dryRun: unknown field/],
];

describe('malformed emergency-scale inputs', () => {
  it('has at least 30 cases', () => expect(MALFORMED.length).toBeGreaterThanOrEqual(30));

  it.each(MALFORMED)(
    'rejects %s at Validate Input, naming the field, with no other step',
    async (_what, input, problem) => {
      // Arrange: Validate Input is the real core; every other Task records that it ran.
      const deps = { config: scalingConfig(), clock: () => T0, dryRun: false };
      const others: string[] = [];
      const routes: Record<string, TaskRoute> = {};
      for (const task of routeAsl(definition).tasks.map((t) => t.name)) {
        routes[task] = () => {
          others.push(task);
          throw new Error(`${task} must not run`);
        };
      }
      routes[S.validate] = (i: { input: unknown }) => validateInput(i.input, deps);
      // Act
      const run = await runStateMachine({ definition, input, routes });
      // Assert
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('InvalidInput');
      expect(run.cause).toMatch(problem);
      expect(run.visitedStates).toEqual([S.receive, S.validate, S.invalidInput]);
      expect(others).toEqual([]);
    },
  );
});
