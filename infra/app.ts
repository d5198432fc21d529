import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import exampleConfig from '../ballast.config.ts';
import { type BallastConfig, fleetRegions, parseConfig } from '../config/schema.ts';
import type { FunctionFactory } from './function-factory.ts';
import { BallastStack, stackIdFor } from './stack.ts';

export interface BuildAppOptions {
  readonly app?: App;
  readonly config?: unknown;
  readonly functionFactory?: FunctionFactory;
  /** Run cdk-nag's AwsSolutions checks at synth. @default true */
  readonly nag?: boolean;
}

/** Builds the Ballast CDK app: one stack per configured region. */
export function buildApp(options: BuildAppOptions = {}): { app: App; config: BallastConfig; stacks: BallastStack[] } {
  const app = options.app ?? new App();
  const config = parseConfig(options.config ?? exampleConfig);
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stacks = fleetRegions(config).map(
    (region) =>
      new BallastStack(app, stackIdFor(config, region), {
        config,
        region,
        stackName: `${config.name}-${region}`,
        ...(options.functionFactory ? { functionFactory: options.functionFactory } : {}),
      }),
  );
  if (config.policies.failover.mode === 'data-plane') {
    // The home region's health checks watch alarms the other regions' stacks make: deploy those first.
    const [home, ...others] = stacks;
    for (const other of others) home?.addStackDependency(other, 'data-plane health checks watch its alarms');
  }
  return { app, config, stacks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().app.synth();
}
