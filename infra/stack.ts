import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { BallastConfig } from '../config/schema.ts';
import { Ballast } from './ballast.ts';
import type { FunctionFactory } from './function-factory.ts';

export interface BallastStackProps extends StackProps {
  readonly config: BallastConfig;
  readonly region: string;
  readonly functionFactory?: FunctionFactory;
}

/** One stack per region of the fleet; every region can run every workflow. */
export class BallastStack extends Stack {
  readonly ballast: Ballast;

  constructor(scope: Construct, id: string, props: BallastStackProps) {
    super(scope, id, {
      ...props,
      // Pinned to its region (so `cdk deploy` puts each stack where it belongs), account-agnostic (so
      // synth needs no credentials).
      env: { region: props.region, account: props.env?.account },
      description: `Ballast control plane for the ${props.region} part of the fleet`,
    });
    this.templateOptions.metadata = { 'ballast:region': props.region };
    this.ballast = new Ballast(this, 'Ballast', {
      config: props.config,
      region: props.region,
      ...(props.functionFactory ? { functionFactory: props.functionFactory } : {}),
    });
  }
}

/** The stack id of a region: `Ballast-us-east-1`. */
export function stackIdFor(config: BallastConfig, region: string): string {
  return `${config.name.charAt(0).toUpperCase()}${config.name.slice(1)}-${region}`;
}
