import { Stack, Token, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { type BallastConfig, type BallastConfigInput, ledgerTableName, parseConfig } from '../config/schema.ts';
import { EmergencyScaling } from './emergency-scaling.ts';
import { BundledFunctionFactory, type FunctionFactory } from './function-factory.ts';
import { HostDraining, type HostDrainingProps } from './host-draining.ts';
import { Ledger } from './ledger.ts';
import { Observability } from './observability.ts';
import { RegionFailover } from './region-failover.ts';

/** The host-draining options a user sets; the rest comes from the configuration and Ballast's shared parts. */
export type HostDrainingOptions = Pick<
  HostDrainingProps,
  'createHooks' | 'heartbeatTimeout' | 'launchHeartbeatTimeout' | 'spotRules' | 'healthRules' | 'taggedGroups'
>;

export interface BallastProps {
  /** The fleet configuration (validated here: a bad one fails synth naming the field). */
  readonly config: BallastConfigInput | BallastConfig;
  /** The region this instance of Ballast runs in: one of `config.regions`. */
  readonly region: string;
  /**
   * Options of host draining: `createHooks`, `heartbeatTimeout`, `launchHeartbeatTimeout`, `spotRules`,
   * `taggedGroups` (see HostDrainingProps). @default the HostDraining defaults
   */
  readonly hostDraining?: HostDrainingOptions;
  /** Makes the Lambda functions. @default new BundledFunctionFactory() */
  readonly functionFactory?: FunctionFactory;
}

/**
 * Ballast in one region: drop it into any CDK stack (in that region) with the same configuration object.
 * It holds the shared parts (ledger, observability) and one construct per capability.
 */
export class Ballast extends Construct {
  readonly config: BallastConfig;
  readonly region: string;
  readonly ledger: Ledger;
  readonly observability: Observability;
  readonly functionFactory: FunctionFactory;
  readonly hostDraining: HostDraining;
  readonly regionFailover: RegionFailover;
  readonly emergencyScaling: EmergencyScaling;

  constructor(scope: Construct, id: string, props: BallastProps) {
    super(scope, id);
    this.config = parseConfig(props.config);
    if (!this.config.regions[props.region]) {
      throw new Error(
        `Ballast: region '${props.region}' is not in config.regions (${Object.keys(this.config.regions).join(', ')}): add it or deploy to one of those`,
      );
    }
    this.region = props.region;
    this.functionFactory = props.functionFactory ?? new BundledFunctionFactory();
    const tableName = ledgerTableName(this.config);
    this.ledger = new Ledger(this, 'Ledger', {
      tableName,
      existing: this.config.ledger.adopt.includes(props.region),
    });
    if (this.ledger.adopted) {
      // The constructs acknowledge their grants on a table the stack creates by its logical id; an adopted
      // table is named by ARN instead (acknowledged here, for every role below this construct).
      const stack = Stack.of(this);
      const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:${region}:<AWS::AccountId>:table/${tableName}/index/*]`,
        reason:
          "grant*Data includes the adopted ledger's indexes (byKind), which drain, override and failover records are listed by.",
      });
    }
    this.observability = new Observability(this, 'Observability', {
      namePrefix: this.config.name,
      region: props.region,
    });
    this.hostDraining = new HostDraining(this, 'HostDraining', {
      config: this.config,
      region: props.region,
      ledger: this.ledger.table,
      observability: this.observability,
      functionFactory: this.functionFactory,
      ...props.hostDraining,
    });
    this.regionFailover = new RegionFailover(this, 'RegionFailover', {
      config: this.config,
      region: props.region,
      ledger: this.ledger.table,
      observability: this.observability,
      functionFactory: this.functionFactory,
    });
    this.emergencyScaling = new EmergencyScaling(this, 'EmergencyScaling', {
      config: this.config,
      region: props.region,
      ledger: this.ledger.table,
      observability: this.observability,
      functionFactory: this.functionFactory,
    });
  }
}
