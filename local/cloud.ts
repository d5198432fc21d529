import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { type BallastConfig, type BallastConfigInput, fleetRegions, parseConfig } from '../config/schema.ts';
import { matchesPattern } from '../events/match.ts';
import { buildApp } from '../infra/app.ts';
import { PROJECT_ROOT } from '../infra/function-factory.ts';
import type { Caller } from './core/service.ts';
import { type DeployedStack, type DeployOptions, deployStack, destroyStack } from './deploy/deployer.ts';
import type { CfnTemplate } from './deploy/template.ts';
import { EventBus } from './eventbridge/bus.ts';
import { LambdaRuntime } from './runtime/lambda-runtime.ts';
import { SfnRuntime } from './runtime/sfn-runtime.ts';
import { installVirtualDate } from './runtime/virtual-date.ts';
import { type Authorizer, type LocalEndpoint, startEndpoint } from './server/endpoint.ts';
import type { RateLimitsOption } from './server/pipeline.ts';
import { buildFleet, type FleetSpec } from './world/fleet.ts';
import { buildLoadBalancers } from './world/load-balancers.ts';
import { buildScalingFleet } from './world/scaling-fleet.ts';
import { buildServices } from './world/services.ts';
import { World } from './world/world.ts';

/**
 * The local cloud: a simulated fleet on virtual time behind one wire-compatible AWS endpoint, with
 * Ballast deployed into it from its synthesized CDK templates. What `npm start` and the end-to-end
 * tests run on.
 */
export interface LocalCloudOptions {
  /** The fleet configuration (the example `ballast.config.ts` by default). */
  readonly config: unknown;
  readonly seed: number;
  /** Deploy Ballast's control plane. false runs the same fleet without it, for comparison. */
  readonly withBallast: boolean;
  /** Sizes of the simulated fleet (hosts, tasks, traffic). */
  readonly fleet?: Partial<FleetSpec>;
  /** Enforce IAM: every call is checked against its caller role's policies. */
  readonly authorize?: Authorizer;
  /** AWS's documented rate limits. @default true */
  /** AWS's published rate limits (default), none, or `{ scale: 0.5 }`: every bucket half as large and fast. */
  readonly rateLimits?: RateLimitsOption;
  readonly port?: number;
  /** Virtual start time (epoch ms). */
  readonly start?: number;
  /** Override parts of the synthesized templates before they are deployed (tests). */
  readonly templates?: (templates: SynthesizedStack[]) => SynthesizedStack[];
}

export interface SynthesizedStack {
  readonly stackName: string;
  readonly region: string;
  readonly template: CfnTemplate;
}

export class LocalCloud {
  readonly stacks: DeployedStack[] = [];
  private constructor(
    readonly config: BallastConfig,
    readonly world: World,
    readonly endpoint: LocalEndpoint,
    readonly lambdas: LambdaRuntime,
    readonly sfn: SfnRuntime,
    readonly bus: EventBus,
    readonly callers: Map<string, Caller>,
    readonly withBallast: boolean,
    private readonly restoreDate: () => void,
  ) {}

  static async start(options: LocalCloudOptions): Promise<LocalCloud> {
    const config = parseConfig(options.config);
    const world = new World({
      seed: options.seed,
      regions: fleetRegions(config),
      ...(options.start !== undefined ? { start: options.start } : {}),
    });
    // From here on, `new Date()` is virtual time: dates the fleet, the SDK and the handlers make all agree.
    const restoreDate = installVirtualDate(() => world.clock.now());
    buildFleet(world, config, { hooksFromTemplate: true, ...(options.fleet ?? {}) });
    buildScalingFleet(world, config);
    buildLoadBalancers(world, config);
    const endpointRef = { url: '' };
    const lambdas = new LambdaRuntime(world, {
      projectRoot: PROJECT_ROOT,
      endpoint: endpointRef,
      baseEnv: {
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_TRACE_ENABLED: 'false',
      },
    });
    const sfn = new SfnRuntime(world, lambdas, endpointRef);
    const bus = new EventBus(world, (pattern, event) => matchesPattern(pattern as never, event), { sfn, lambdas });
    const callers = new Map<string, Caller>();
    let endpoint: LocalEndpoint;
    try {
      endpoint = await startEndpoint({
        world,
        services: buildServices(world, { sfn, bus }),
        ...(options.port !== undefined ? { port: options.port } : {}),
        rateLimits: options.rateLimits ?? true,
        ...(options.authorize ? { authorize: options.authorize } : {}),
        callerFor: (accessKeyId) => callers.get(accessKeyId),
      });
    } catch (error) {
      restoreDate();
      throw error;
    }
    endpointRef.url = endpoint.url;
    const cloud = new LocalCloud(config, world, endpoint, lambdas, sfn, bus, callers, options.withBallast, restoreDate);
    if (options.withBallast) {
      try {
        let synthesized = synthesize(config);
        if (options.templates) synthesized = options.templates(synthesized);
        const target = { world, endpointUrl: endpoint.url, lambdas, sfn, bus, callers, route53: world.route53 };
        for (const stack of synthesized) cloud.stacks.push(await deployStack(target, stack));
      } catch (error) {
        await cloud.stop();
        throw error;
      }
    }
    return cloud;
  }

  /**
   * Deploys Ballast's templates again, as `cdk deploy` of a changed app would, while the fleet and every
   * running execution go on: functions get the new code and environment (a cold start), state machines the
   * new definition for executions started from now on (running ones keep theirs, as in AWS), rules are
   * replaced. `change` edits the synthesized templates (a test's "new version").
   */
  async redeploy(change: (templates: SynthesizedStack[]) => SynthesizedStack[]): Promise<void> {
    if (!this.withBallast) throw new Error('redeploy: this cloud runs without Ballast');
    const target = {
      world: this.world,
      endpointUrl: this.endpoint.url,
      lambdas: this.lambdas,
      sfn: this.sfn,
      bus: this.bus,
      callers: this.callers,
      route53: this.world.route53,
    };
    for (const stack of change(synthesize(this.config))) {
      const deployed = await deployStack(target, stack);
      const at = this.stacks.findIndex((s) => s.stackName === stack.stackName);
      if (at >= 0) this.stacks[at] = deployed;
      else this.stacks.push(deployed);
    }
  }

  /**
   * `cdk destroy --all`: every Ballast stack is deleted (see destroyStack: retained tables stay, with their
   * items; rules are disabled). The fleet goes on without Ballast until `deploy`.
   */
  async destroy(): Promise<void> {
    const target = this.deployTarget();
    for (const stack of this.stacks) await destroyStack(target, stack);
    this.stacks.splice(0);
  }

  /**
   * `cdk deploy --all` after a `destroy` (stacks created anew), optionally with another `ledger` section of
   * the configuration (the rest of it built the fleet) and CloudFormation's import of existing resources.
   * A stack that fails (a table of its name already exists) throws, as the deploy would.
   */
  async deploy(options: DeployOptions & { ledger?: BallastConfigInput['ledger'] } = {}): Promise<void> {
    if (!this.withBallast) throw new Error('deploy: this cloud runs without Ballast');
    const config = options.ledger ? parseConfig({ ...this.config, ledger: options.ledger }) : this.config;
    const target = this.deployTarget();
    for (const stack of synthesize(config)) {
      const deployed = await deployStack(target, stack, options);
      const at = this.stacks.findIndex((s) => s.stackName === stack.stackName);
      if (at >= 0) this.stacks[at] = deployed;
      else this.stacks.push(deployed);
    }
  }

  private deployTarget() {
    return {
      world: this.world,
      endpointUrl: this.endpoint.url,
      lambdas: this.lambdas,
      sfn: this.sfn,
      bus: this.bus,
      callers: this.callers,
    };
  }

  /** Environment for an AWS SDK or CLI process pointed at this cloud. */
  env(region = this.config.primaryRegion): Record<string, string> {
    return {
      AWS_ENDPOINT_URL: this.endpoint.url,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: 'AKIAOPERATOR00000000',
      AWS_SECRET_ACCESS_KEY: 'local-cloud-secret',
    };
  }

  /** Configuration for an SDK v3 client in this process. */
  clientConfig(region = this.config.primaryRegion) {
    return {
      region,
      endpoint: this.endpoint.url,
      credentials: { accessKeyId: 'AKIAOPERATOR00000000', secretAccessKey: 'local-cloud-secret' },
    };
  }

  /** The deployed state machine of a region by its short name ('drain-host'). */
  stateMachineArn(region: string, shortName: string): string {
    const name = `${this.config.name}-${shortName}`;
    const arn = this.stacks.find((s) => s.region === region)?.stateMachineArns[name];
    if (!arn) throw new Error(`no state machine ${name} deployed in ${region}`);
    return arn;
  }

  runFor(ms: number): Promise<void> {
    return this.world.clock.runFor(ms);
  }

  runUntil(predicate: () => boolean, limitMs: number): Promise<boolean> {
    return this.world.clock.runUntilTrue(predicate, limitMs);
  }

  async stop(): Promise<void> {
    this.sfn.stopAll();
    this.restoreDate();
    await this.endpoint.close();
  }
}

/** Synthesizes Ballast's stacks in process, bundling skipped: the very templates `cdk synth` writes. */
export function synthesize(config: BallastConfig): SynthesizedStack[] {
  const outdir = mkdtempSync(path.join(tmpdir(), 'ballast-synth-'));
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const { stacks } = buildApp({ app, config, nag: false });
    const assembly = app.synth();
    return stacks.map((stack) => ({
      stackName: stack.stackName,
      region: stack.region,
      template: assembly.getStackByName(stack.stackName).template as CfnTemplate,
    }));
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
    rmSync(outdir, { recursive: true, force: true });
  }
}
