import { describe, expect, it } from 'vitest';
import { cloudWatchService as cw } from '#local/cloudwatch/api.ts';
import type { AwsEvent } from '#local/world/world.ts';
import { minutes, PRIMARY, scalingWorld } from './scaling-world.ts';

const HEARTBEAT = { Namespace: 'Ballast', MetricName: 'Heartbeat', Dimensions: [{ Name: 'Region', Value: PRIMARY }] };

describe('CloudWatch in the local cloud', () => {
  it('returns one statistic per period, newest first, from GetMetricData', async () => {
    // Arrange: values 1..6, one a minute.
    const { world, call } = scalingWorld();
    const start = world.now();
    for (let i = 1; i <= 6; i++) {
      await call(cw, 'PutMetricData', {
        Namespace: HEARTBEAT.Namespace,
        MetricData: [{ MetricName: HEARTBEAT.MetricName, Dimensions: HEARTBEAT.Dimensions, Value: i }],
      });
      await world.clock.runFor(minutes(1));
    }

    // Act
    const query = (Stat: string) => ({
      Id: Stat.toLowerCase(),
      MetricStat: { Metric: HEARTBEAT, Period: 180, Stat },
    });
    const result = await call<{ MetricDataResults: Array<{ Id: string; Timestamps: Date[]; Values: number[] }> }>(
      cw,
      'GetMetricData',
      {
        MetricDataQueries: [query('Average'), query('Sum'), query('Maximum'), query('SampleCount')],
        StartTime: new Date(start),
        EndTime: new Date(world.now()),
      },
    );

    // Assert
    const byId = Object.fromEntries(result.MetricDataResults.map((r) => [r.Id, r]));
    expect(byId.average?.Values).toEqual([5, 2]);
    expect(byId.sum?.Values).toEqual([15, 6]);
    expect(byId.maximum?.Values).toEqual([6, 3]);
    expect(byId.samplecount?.Values).toEqual([3, 3]);
    expect(byId.average?.Timestamps.map((t) => t.getTime())).toEqual([start + minutes(3), start]);
  });

  it('fails PutMetricData with a 500 while impaired and accepts it again once restored', async () => {
    // Arrange
    const { world, call } = scalingWorld();
    const put = () =>
      call(cw, 'PutMetricData', { Namespace: 'Ballast', MetricData: [{ MetricName: 'Heartbeat', Value: 1 }] });
    world.region(PRIMARY).cloudwatch.impair();

    // Act
    const during = put();
    await expect(during).rejects.toMatchObject({ code: 'InternalServiceError', status: 500 });
    world.region(PRIMARY).cloudwatch.restore();

    // Assert
    await expect(put()).resolves.toEqual({});
  });

  it('moves an alarm to INSUFFICIENT_DATA after its evaluation periods without data, and emits the state change event', async () => {
    // Arrange: a heartbeat alarm fed every minute, then CloudWatch is impaired.
    const { world, call } = scalingWorld();
    const events: AwsEvent[] = [];
    world.onEvent((e) => events.push(e));
    await call(cw, 'PutMetricAlarm', {
      AlarmName: 'ballast-heartbeat',
      ...HEARTBEAT,
      Statistic: 'SampleCount',
      Period: 60,
      EvaluationPeriods: 5,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
    });
    for (let i = 0; i < 10; i++) {
      await call(cw, 'PutMetricData', {
        Namespace: 'Ballast',
        MetricData: [{ MetricName: 'Heartbeat', Dimensions: HEARTBEAT.Dimensions, Value: 1 }],
      });
      await world.clock.runFor(minutes(1));
    }
    world.region(PRIMARY).cloudwatch.impair();

    // Act
    await world.clock.runFor(minutes(4));
    const after4 = world.region(PRIMARY).cloudwatch.alarm('ballast-heartbeat')?.StateValue;
    await world.clock.runFor(minutes(2));

    // Assert
    expect(after4).toBe('OK');
    const { MetricAlarms } = await call<{ MetricAlarms: Array<{ StateValue: string }> }>(cw, 'DescribeAlarms', {
      AlarmNames: ['ballast-heartbeat'],
    });
    expect(MetricAlarms[0]?.StateValue).toBe('INSUFFICIENT_DATA');
    const change = events.find(
      (e) =>
        e['detail-type'] === 'CloudWatch Alarm State Change' &&
        e.detail.alarmName === 'ballast-heartbeat' &&
        (e.detail.state as { value: string }).value === 'INSUFFICIENT_DATA',
    );
    expect(change).toMatchObject({
      source: 'aws.cloudwatch',
      resources: [`arn:aws:cloudwatch:${PRIMARY}:123456789012:alarm:ballast-heartbeat`],
      detail: { previousState: { value: 'OK' } },
    });
  });

  it('writes one timeline line when many alarms go INSUFFICIENT_DATA together', async () => {
    // Arrange: six services, twelve target-tracking alarms in the region.
    const { world } = scalingWorld({ extraServices: 5 });
    await world.clock.runFor(minutes(5));
    world.region(PRIMARY).cloudwatch.impair();

    // Act
    await world.clock.runFor(minutes(20));

    // Assert
    const lines = world.timeline.filter(
      (e) => e.region === PRIMARY && e.kind === 'alarm' && e.detail.includes('→ INSUFFICIENT_DATA'),
    );
    expect(world.region(PRIMARY).cloudwatch.alarmCounts('TargetTracking-').INSUFFICIENT_DATA).toBe(12);
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(lines.some((l) => /^\d+ alarms → INSUFFICIENT_DATA/.test(l.detail))).toBe(true);
  });

  it('filters DescribeAlarms by name prefix and state and pages with NextToken', async () => {
    // Arrange
    const { world, call } = scalingWorld({ extraServices: 2 });
    await world.clock.runFor(minutes(2));

    // Act
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await call<{ MetricAlarms: Array<{ AlarmName: string; StateValue: string }>; NextToken?: string }>(
        cw,
        'DescribeAlarms',
        { AlarmNamePrefix: 'TargetTracking-service/web/', StateValue: 'OK', MaxRecords: 2, NextToken: token },
      );
      expect(page.MetricAlarms.length).toBeLessThanOrEqual(2);
      names.push(...page.MetricAlarms.map((a) => a.AlarmName));
      token = page.NextToken;
    } while (token);

    // Assert
    expect(names).toHaveLength(6);
    expect([...names].sort()).toEqual(names);
    await expect(call(cw, 'DescribeAlarms', { AlarmNames: ['x'], AlarmNamePrefix: 'y' })).rejects.toMatchObject({
      code: 'InvalidParameterCombination',
    });
  });
});
