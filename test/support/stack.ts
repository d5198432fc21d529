import { App, type AppProps, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type CfnTemplate, deploymentContext, type ResolveContext } from '#local/deploy/template.ts';

/** The account and region tests pretend to deploy to. */
export const TEST_ENV = { region: 'us-east-1', accountId: '123456789012' } as const;

/** A resolve context for `template` as if deployed as `stackName` in `TEST_ENV` (physical ids assigned). */
export function testContext(template: CfnTemplate, stackName = 'Test'): ResolveContext {
  return deploymentContext(template, { stackName, ...TEST_ENV });
}

/** Context that makes synth skip asset bundling: `Template.fromStack` drops from ~1.8 s to ~15 ms. */
export const FAST_SYNTH_CONTEXT = { 'aws:cdk:bundling-stacks': [] as string[] };

/** A CDK app for tests: no asset bundling (set at construction: context cannot be added once children exist). */
export function testApp(props: AppProps = {}): App {
  return new App({ ...props, context: { ...FAST_SYNTH_CONTEXT, ...props.context } });
}

/** The assertions `Template` of a stack (for `hasResourceProperties` and friends). */
export function assertionsOf(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** The synthesized CloudFormation template of a stack, as plain JSON (for `#local/deploy/template.ts`). */
export function synthTemplate(stack: Stack): CfnTemplate {
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

/** The synthesized template of the stack named `stackName` (its stack name or construct id) in `app`. */
export function templateOf(app: App, stackName: string): CfnTemplate {
  const stacks = app.node.findAll().filter((c): c is Stack => Stack.isStack(c));
  const stack = stacks.find((s) => s.stackName === stackName || s.node.id === stackName);
  if (!stack) {
    throw new Error(`No stack named ${stackName} in the app; it has: ${stacks.map((s) => s.stackName).join(', ')}`);
  }
  return synthTemplate(stack);
}
