import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetHealthCheckStatusCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { failoverConfigFor } from '#functions/region-failover/config-schema.ts';
import { evaluateTrigger, type TriggerDeps } from '#functions/region-failover/core/trigger.ts';
import example from '../../../ballast.config.ts';
import { parseConfig } from '../../../config/schema.ts';
import { type LedgerTable, startLedgerTable } from './ledger-table.ts';

/**
 * The automatic trigger's core over mocked CloudWatch, Route 53, Step Functions and EventBridge, with the
 * ledger in dynalite: quorum, dwell, one firing per episode, recommend vs auto, unreadable alarms, and only the
 * destination region acting.
 */
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
let table: LedgerTable;
let now = T0;
const cw = mockClient(CloudWatchClient);
const r53 = mockClient(Route53Client);
const sfn = mockClient(SFNClient);
const bus = mockClient(EventBridgeClient);
const alarmStates = new Map<string, string>();
const checkers = new Map<string, boolean>();

function deps(region: string, trigger: Record<string, unknown>): TriggerDeps {
  const config = parseConfig({
    ...example,
    policies: { ...example.policies, failover: { ...example.policies!.failover!, trigger } },
  });
  const store = table.store(region);
  return {
    clientsFor: () => ({
      cloudWatch: new CloudWatchClient({ region }),
      route53: new Route53Client({ region: 'us-east-1' }),
      eventBridge: new EventBridgeClient({ region }),
      sfn: new SFNClient({ region }),
    }),
    store,
    fence: store,
    clock: () => new Date(now),
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    config: failoverConfigFor(config, region),
    stateMachineArn: `arn:aws:states:${region}:123456789012:stateMachine:ballast-region-failover`,
  };
}

const events = () => bus.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.[0]?.DetailType);
const starts = () => sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);

beforeEach(async () => {
  await table?.close();
  table = await startLedgerTable();
  now = T0;
  for (const m of [cw, r53, sfn, bus]) m.reset();
  alarmStates.clear();
  checkers.clear();
  alarmStates.set('api-5xx', 'OK');
  alarmStates.set('api-latency', 'OK');
  checkers.set('hc-east', true);
  cw.on(DescribeAlarmsCommand).callsFake((input) => ({
    MetricAlarms: (input.AlarmNames ?? [])
      .filter((n: string) => alarmStates.has(n))
      .map((n: string) => ({ AlarmName: n, StateValue: alarmStates.get(n) })),
  }));
  r53.on(ListResourceRecordSetsCommand).callsFake((input) => ({
    ResourceRecordSets: [
      { Name: input.StartRecordName, Type: 'CNAME', SetIdentifier: 'us-east-1', Weight: 255, HealthCheckId: 'hc-east' },
      { Name: input.StartRecordName, Type: 'CNAME', SetIdentifier: 'us-west-2', Weight: 0, HealthCheckId: 'hc-west' },
    ],
  }));
  r53.on(GetHealthCheckStatusCommand).callsFake((input) => ({
    HealthCheckObservations: Array.from({ length: 8 }, () => ({
      StatusReport: {
        Status: checkers.get(input.HealthCheckId) === false ? 'Failure: timed out' : 'Success: HTTP 200',
      },
    })),
  }));
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-west-2:1:execution:x:y' });
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});
afterAll(async () => {
  await table.close();
});

const ALARMS = { 'us-east-1': ['api-5xx', 'api-latency'] };

describe('the automatic failover trigger', () => {
  it('recommends (the plan, nothing started) once a quorum of signals stayed bad for the dwell, once per episode', async () => {
    // Arrange: three signals (two alarms, the health check); a majority is 2.
    const d = () => deps('us-west-2', { alarms: ALARMS, dwellSeconds: 120 });
    alarmStates.set('api-5xx', 'ALARM');
    const one = await evaluateTrigger(d());
    alarmStates.set('api-latency', 'ALARM');

    // Act
    const first = await evaluateTrigger(d());
    now += 60_000;
    const dwelling = await evaluateTrigger(d());
    now += 60_000;
    const fired = await evaluateTrigger(d());
    now += 60_000;
    const again = await evaluateTrigger(d());

    // Assert
    expect(one).toMatchObject({ verdict: 'healthy', quorum: 2 });
    expect([first.verdict, dwelling.verdict, fired.verdict, again.verdict]).toEqual([
      'dwelling',
      'dwelling',
      'recommended',
      'already-fired',
    ]);
    expect(events()).toEqual(['Failover Recommended']);
    expect(starts()).toEqual([]);
    const detail = JSON.parse(bus.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!);
    expect(detail).toMatchObject({
      source: 'us-east-1',
      destination: 'us-west-2',
      plan: { action: 'failover', to: 'us-west-2', from: 'us-east-1' },
      command: expect.stringMatching(/^ballast failover start --to us-west-2 /),
    });
  });

  it('starts the failover in auto, with an execution name a duplicate delivery cannot start twice', async () => {
    // Arrange
    const d = () => deps('us-west-2', { action: 'auto', alarms: ALARMS, dwellSeconds: 60 });
    alarmStates.set('api-5xx', 'ALARM');
    checkers.set('hc-east', false);
    await evaluateTrigger(d());
    now += 60_000;

    // Act
    const started = await evaluateTrigger(d());
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    // A second delivery of the same minute, before the episode's write: the same name, already started.
    await table.store('us-west-2').writeTrigger('us-east-1', { badSince: started.badSince! });
    const duplicate = await evaluateTrigger(d());

    // Assert
    expect(started.verdict).toBe('started');
    expect(duplicate.verdict).toBe('already-fired');
    expect(starts().map((s) => s.name)).toEqual([started.failoverId, started.failoverId]);
    expect(JSON.parse(starts()[0]!.input!)).toMatchObject({ action: 'failover', to: 'us-west-2', from: 'us-east-1' });
    expect(events()).toEqual(['Failover Triggered']);
  });

  it('counts alarms it cannot read (the region APIs fail) as bad, and a good evaluation ends the episode', async () => {
    // Arrange
    const d = () => deps('us-west-2', { alarms: ALARMS, dwellSeconds: 0 });
    cw.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));

    // Act
    const unreadable = await evaluateTrigger(d());
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    const missing = await evaluateTrigger(d());

    // Assert
    expect(unreadable.verdict).toBe('recommended');
    expect(unreadable.signals.filter((s) => s.bad).map((s) => s.detail)).toEqual([
      expect.stringMatching(/unreadable: TimeoutError/),
      expect.stringMatching(/unreadable: TimeoutError/),
    ]);
    expect(missing.verdict).toBe('healthy');
    expect(await table.store('us-west-2').readTrigger('us-east-1')).toEqual({});
  });

  it('acts only in the region a failover would go to, and not while a failover holds the fence', async () => {
    // Arrange
    alarmStates.set('api-5xx', 'ALARM');
    alarmStates.set('api-latency', 'ALARM');

    // Act
    const inPrimary = await evaluateTrigger(deps('us-east-1', { alarms: ALARMS, dwellSeconds: 0 }));
    await table.store('us-west-2').acquire('failover-aaaaaaaaaaaaaaaaaaaa', 'us-west-2', new Date(now));
    const held = await evaluateTrigger(deps('us-west-2', { alarms: ALARMS, dwellSeconds: 0 }));
    const off = await evaluateTrigger(deps('us-west-2', { action: 'off', alarms: ALARMS }));

    // Assert
    expect([inPrimary.verdict, held.verdict, off.verdict]).toEqual(['not-destination', 'failover-in-progress', 'off']);
    expect(cw.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
    expect(events()).toEqual([]);
  });
});
