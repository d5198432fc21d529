import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { BallastConfigInput } from '#config/schema.ts';
import { buildApp } from '#infra/app.ts';
import { formatNagFindings, nagFindings } from '#test/support/nag.ts';
import example from '../../ballast.config.ts';

/**
 * The ledger's name and a redeploy after `cdk destroy` (issue 10, defect 11): the table is retained with
 * deletion protection, so the next deploy must take it back (`cdk deploy --import-existing-resources`, which
 * needs the static name) or use it as it is (`ledger.adopt`), and the failover's fence in another region must
 * still reach that region's ledger by name.
 */
const offline = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const withLedger = (ledger: BallastConfigInput['ledger'], failover = {}): BallastConfigInput => ({
  ...example,
  ledger,
  policies: { ...example.policies, failover: { ...example.policies?.failover, ...failover } },
});

/** Every IAM policy statement resource of a template, as JSON text (tokens included). */
function policyResources(template: Template): string[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
    (
      policy as { Properties: { PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } } }
    ).Properties.PolicyDocument.Statement.filter((s) => JSON.stringify(s.Action).includes('dynamodb:')).flatMap((s) =>
      (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) => JSON.stringify(r)),
    ),
  );
}

describe('the ledger table', () => {
  it('is named by ledger.tableName in every region, and the fence in another region is reached by that name', () => {
    const { stacks } = buildApp({
      app: offline(),
      config: withLedger({ tableName: 'platform-ballast-ledger' }, { fenceRegion: 'us-west-2' }),
      nag: false,
    });
    const [east, west] = stacks.map((s) => Template.fromStack(s));

    for (const template of [east!, west!]) {
      template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'platform-ballast-ledger' });
    }
    const fence = policyResources(east!).filter((r) => r.includes('us-west-2'));
    expect(fence.length).toBeGreaterThan(0);
    for (const r of fence) expect(r).toMatch(/:table\/platform-ballast-ledger"/);
  });

  it('is used as it is, not created, in a region that adopts it, with every grant scoped to it and its index', () => {
    const { app, stacks } = buildApp({
      app: offline(),
      config: withLedger({ adopt: ['us-east-1'] }),
      nag: false,
    });
    const [east, west] = stacks.map((s) => Template.fromStack(s));

    // The adopting stack does not own a table (a deploy cannot fail on "already exists", a destroy keeps it) ...
    east!.resourceCountIs('AWS::DynamoDB::Table', 0);
    west!.resourceCountIs('AWS::DynamoDB::Table', 1);
    // ... its functions find it by name ...
    const variables = Object.values(east!.findResources('AWS::Lambda::Function')).map(
      (f) => (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties,
    );
    const named = variables.filter((p) => p.Environment?.Variables?.BALLAST_LEDGER_TABLE !== undefined);
    expect(named.length).toBeGreaterThan(0);
    for (const p of named) expect(p.Environment!.Variables!.BALLAST_LEDGER_TABLE).toBe('ballast-ledger');
    // ... and every DynamoDB grant names that table or its indexes, nothing wider.
    const resources = policyResources(east!);
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources) expect(r).toMatch(/:table\/ballast-ledger(\/index\/\*)?"/);
    // cdk-nag stays clean (the index grants are acknowledged with a reason).
    const findings = nagFindings(app);
    expect(findings, formatNagFindings(findings)).toEqual([]);
  });

  it('refuses to adopt in a region the configuration does not describe, naming the field', () => {
    expect(() => buildApp({ app: offline(), config: withLedger({ adopt: ['eu-west-1'] }), nag: false })).toThrow(
      /ledger\.adopt\[0\]: names region eu-west-1, which is not in regions/,
    );
  });

  it('refuses a table name DynamoDB would not accept, naming the field', () => {
    expect(() => buildApp({ app: offline(), config: withLedger({ tableName: 'my ledger' }), nag: false })).toThrow(
      /ledger\.tableName: must be a DynamoDB table name/,
    );
  });
});
