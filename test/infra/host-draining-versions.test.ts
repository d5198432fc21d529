import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { type CfnTemplate, lambdaFunctions, stateMachines } from '#local/deploy/template.ts';
import { isAllowed } from '#test/support/iam.ts';
import { synthTemplate, testApp, testContext } from '#test/support/stack.ts';
import exampleConfig from '../../ballast.config.ts';

/**
 * Issue 10, defect 8: the drain-host workflow invokes published versions of its functions, so a running
 * execution keeps the code it started with across a deploy.
 */
const { stacks } = buildApp({ app: testApp(), config: exampleConfig, nag: false });
const template: CfnTemplate = synthTemplate(stacks[0]!);
const ctx = testContext(template);
const functions = lambdaFunctions(template, ctx);
const fnOf = (entry: string) => {
  const fn = functions.find((f) => f.entry === `functions/host-draining/${entry}.ts`);
  if (!fn) throw new Error(`no function for ${entry}`);
  return fn;
};
const pinned = ['resolve', 'drain', 'finish'].map(fnOf);
const workflow = stateMachines(template, ctx).find((m) => m.name === 'ballast-drain-host')!;

/** Every Lambda function a Task of the definition names (its Resource, or the FunctionName of lambda:invoke). */
function invokedFunctions(definition: Record<string, unknown>): Array<{ state: string; arn: string }> {
  const out: Array<{ state: string; arn: string }> = [];
  const states = definition.States as Record<
    string,
    { Type: string; Resource?: string; Parameters?: Record<string, unknown> }
  >;
  for (const [state, s] of Object.entries(states)) {
    if (s.Type !== 'Task' || !s.Resource) continue;
    if (s.Resource.startsWith('arn:aws:lambda:')) out.push({ state, arn: s.Resource });
    else if (s.Resource.startsWith('arn:aws:states:::lambda:invoke')) {
      out.push({ state, arn: String(s.Parameters?.FunctionName) });
    }
  }
  return out;
}

describe('the drain-host workflow pinned to published versions (issue 10, defect 8)', () => {
  it('invokes resolve, drain and finish by version ARN in every Task, Wait For Tasks included', () => {
    const invoked = invokedFunctions(workflow.definition);
    expect(invoked.map((i) => i.state)).toContain('Wait For Tasks');
    expect(invoked.length).toBeGreaterThan(10);
    for (const { state, arn } of invoked) {
      const fn = pinned.find((f) => arn.startsWith(`${f.arn}:`));
      expect(fn, `${state} invokes ${arn}`).toBeDefined();
      expect(arn, state).toMatch(/:function:[^:]+:[0-9]+$/);
    }
    expect(new Set(invoked.map((i) => i.arn.replace(/:[0-9]+$/, '')))).toEqual(new Set(pinned.map((f) => f.arn)));
  });

  it('publishes one version per workflow function, kept when a deploy replaces it', () => {
    const versions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Version');
    const ofPinned = versions.filter(([, r]) =>
      pinned.some((f) => (r.Properties?.FunctionName as { Ref?: string })?.Ref === f.logicalId),
    );
    expect(ofPinned).toHaveLength(3);
    for (const [logicalId, resource] of ofPinned) {
      expect(resource.DeletionPolicy, logicalId).toBe('Retain');
      expect(resource.UpdateReplacePolicy, logicalId).toBe('Retain');
    }
  });

  it('lets the workflow role invoke published versions of its three functions, this deploy’s and earlier ones', async () => {
    for (const fn of pinned) {
      for (const version of ['1', '7']) {
        const decision = await isAllowed(
          template,
          workflow.roleLogicalId!,
          'lambda:InvokeFunction',
          `${fn.arn}:${version}`,
        );
        expect(decision.allowed, `${fn.name}:${version} ${JSON.stringify(decision.details)}`).toBe(true);
      }
    }
  });

  it('denies the workflow role the unpublished code and every other function', async () => {
    for (const fn of pinned) {
      for (const arn of [fn.arn, `${fn.arn}:$LATEST`]) {
        const decision = await isAllowed(template, workflow.roleLogicalId!, 'lambda:InvokeFunction', arn);
        expect(decision.allowed, arn).toBe(false);
      }
    }
    for (const other of [fnOf('wake'), fnOf('reclaim')]) {
      for (const arn of [other.arn, `${other.arn}:1`]) {
        const decision = await isAllowed(template, workflow.roleLogicalId!, 'lambda:InvokeFunction', arn);
        expect(decision.allowed, arn).toBe(false);
      }
    }
  });
});
