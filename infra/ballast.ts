import { Construct } from 'constructs';
import { type BallastConfig, type BallastConfigInput, parseConfig } from '../config/schema.ts';
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
    this.ledger = new Ledger(this, 'Ledger', { tableName: `${this.config.name}-ledger` });
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
