import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { BundledFunctionFactory } from '#infra/function-factory.ts';
import type { CfnTemplate } from '#local/deploy/template.ts';
import { cfnLint, cfnLintAvailable, formatCfnLint } from '#test/support/cfn-lint.ts';
import { formatNagFindings, nagFindings, unjustifiedAcknowledgements } from '#test/support/nag.ts';

const offline = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

describe('compliance of the synthesized app', () => {
  const { app, stacks } = buildApp({ app: offline(), nag: false });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    const findings = nagFindings(app);
    expect(findings, formatNagFindings(findings)).toEqual([]);
  });

  it('gives every cdk-nag acknowledgement a real reason', () => {
    expect(unjustifiedAcknowledgements(app)).toEqual([]);
  });

  it.skipIf(!cfnLintAvailable())('passes cfn-lint with no errors in every region', async () => {
    for (const stack of stacks) {
      const template = Template.fromStack(stack).toJSON() as CfnTemplate;
      const report = await cfnLint(template, { regions: [stack.region] });
      expect(report.errors, formatCfnLint(report.errors)).toEqual([]);
    }
  });
});

describe('the function factory', () => {
  const stack = new Stack(offline(), 'FactoryStack', { env: { region: 'us-east-1' } });
  new BundledFunctionFactory().create(stack, 'Echo', {
    entry: 'test/fixtures/handlers/echo.ts',
    description: 'a fixture function',
    environment: { EXTRA: 'yes' },
  });
  const template = Template.fromStack(stack);

  it('makes an ARM64 function on the newest Node.js runtime with JSON logs and tracing', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      LoggingConfig: {
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'WARN',
        LogGroup: { Ref: Match.stringLikeRegexp('Logs') },
      },
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ EXTRA: 'yes', POWERTOOLS_SERVICE_NAME: 'ballast' }) },
    });
  });

  it('gives it an explicit log group with retention and records where its handler lives', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as {
      Metadata: Record<string, string>;
    };
    expect(fn.Metadata['ballast:entry']).toBe('test/fixtures/handlers/echo.ts');
    expect(fn.Metadata['ballast:handler']).toBe('handler');
  });

  it('gives it its own role with no AWS managed policy attached', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role')) as Array<{
      Properties: Record<string, unknown>;
    }>;
    expect(roles).toHaveLength(1);
    expect(roles[0]!.Properties.ManagedPolicyArns).toBeUndefined();
  });
});
