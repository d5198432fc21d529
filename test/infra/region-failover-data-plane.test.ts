import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import type { CfnTemplate } from '#local/deploy/template.ts';
import { dataPlaneConfig } from '#test/fixtures/region-failover-data-plane.ts';
import { cfnLint, cfnLintAvailable, formatCfnLint } from '#test/support/cfn-lint.ts';
import { formatNagFindings, nagFindings } from '#test/support/nag.ts';
import { testApp } from '#test/support/stack.ts';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };

const { app, stacks } = buildApp({ app: testApp(), config: dataPlaneConfig(), nag: false });
const east = Template.fromStack(stacks[0]!);
const west = Template.fromStack(stacks[1]!);

const stepsStatements = (t: Template): Statement[] =>
  Object.entries(t.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.includes('RegionFailoverSteps'))
    .flatMap(([, p]) => (p.Properties.PolicyDocument.Statement as Statement[]) ?? []);
const actions = (t: Template) => stepsStatements(t).flatMap((s) => [s.Action].flat());

describe('RegionFailover in data-plane mode', () => {
  it('makes, in the standby, a take and a release alarm per rung on Ballast metric, missing data ignored', () => {
    const alarms = Object.values(west.findResources('AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties.Namespace === 'Ballast/Failover',
    );
    expect(alarms).toHaveLength(10);
    expect(alarms.map((a) => a.Properties.AlarmName).sort()).toContain('ballast-failover-take-us-west-2-1');
    west.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'ballast-failover-release-us-west-2-3',
      MetricName: 'HomeReleased',
      Dimensions: [{ Name: 'Region', Value: 'us-west-2' }],
      Statistic: 'Maximum',
      Threshold: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
    });
    // The home region drives nothing: its records follow the other regions' alarms.
    const homeAlarms = Object.values(east.findResources('AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties.Namespace === 'Ballast/Failover',
    );
    expect(homeAlarms).toEqual([]);
  });

  it('puts each record of each region behind its own health check, weights the rung steps', () => {
    const westSets = Object.values(west.findResources('AWS::Route53::RecordSet')).map((r) => r.Properties);
    expect(westSets).toHaveLength(10); // 2 records x 5 rungs
    const api = westSets.filter((p) => p.Name === 'api.example.com').sort((a, b) => a.Weight - b.Weight);
    expect(api.map((p) => p.Weight)).toEqual([2, 8, 40, 50, 100]);
    expect(api.map((p) => p.SetIdentifier)).toContain('us-west-2-slot-1');
    expect(new Set(api.map((p) => JSON.stringify(p.HealthCheckId))).size).toBe(5);
    expect(api[0]!.ResourceRecords).toEqual(['alb.us-west-2.example.com']);
    // Standby: inverted checks on its own take alarms (healthy once it took the slot).
    west.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: {
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Region: 'us-west-2', Name: 'ballast-failover-take-us-west-2-1' },
        InsufficientDataHealthStatus: 'LastKnownStatus',
        Inverted: true,
      },
    });
    // Home: a calculated check per slot over the other regions' release alarms, not inverted.
    east.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: {
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Region: 'us-west-2', Name: 'ballast-failover-release-us-west-2-5' },
        InsufficientDataHealthStatus: 'LastKnownStatus',
        Inverted: false,
      },
    });
    east.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: { Type: 'CALCULATED', HealthThreshold: 1 },
    });
    expect(Object.keys(east.findResources('AWS::Route53::RecordSet'))).toHaveLength(10);
  });

  it('grants the steps no Route 53 change: PutMetricData held to its namespace and DescribeAlarms on its alarms', () => {
    for (const t of [east, west]) {
      const granted = actions(t);
      expect(granted.filter((a) => a.startsWith('route53:'))).toEqual(['route53:ListResourceRecordSets']);
      const put = stepsStatements(t).find((s) => [s.Action].flat().includes('cloudwatch:PutMetricData'))!;
      expect(put.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'Ballast/Failover' } });
      const describe = stepsStatements(t).find((s) => [s.Action].flat().includes('cloudwatch:DescribeAlarms'))!;
      const resources = JSON.stringify(describe.Resource);
      expect(resources).toContain('alarm:ballast-failover-take-us-west-2-1');
      expect(resources).not.toContain('*');
    }
  });

  it('deploys the home stack after the others, whose alarms its health checks watch', () => {
    expect(stacks[0]!.dependencies.map((d) => d.region)).toEqual(['us-west-2']);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    const findings = nagFindings(app).filter((f) => f.path.includes('RegionFailover'));
    expect(findings, formatNagFindings(findings)).toEqual([]);
  });

  it.skipIf(!cfnLintAvailable())(
    'passes cfn-lint with no errors in every region',
    async () => {
      for (const stack of stacks) {
        const report = await cfnLint(Template.fromStack(stack).toJSON() as CfnTemplate, { regions: [stack.region] });
        expect(report.errors, formatCfnLint(report.errors)).toEqual([]);
      }
    },
    120_000,
  );

  it('refuses a data-plane configuration without a target for every region, naming the field', () => {
    const config = dataPlaneConfig();
    const dns = config.dns!;
    const broken = { ...config, dns: { ...dns, records: [{ name: 'api.example.com', type: 'CNAME' as const }] } };
    expect(() => buildApp({ app: testApp(), config: broken, nag: false })).toThrow(
      /dns\.records\[0\]\.targets\['us-east-1'\]: is missing/,
    );
  });
});
