/**
 * The shapes of a synthesized CloudFormation template, as far as Ballast's deployer and tests read them.
 * Deliberately loose (`unknown` for property values): templates come from disk or from a synth, not from a
 * type checker.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface CfnParameter {
  readonly Type: string;
  readonly Default?: unknown;
  readonly Description?: string;
}

export interface CfnTemplate {
  readonly AWSTemplateFormatVersion?: string;
  readonly Description?: string;
  readonly Resources: Record<string, CfnResource>;
  readonly Parameters?: Record<string, CfnParameter>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>;
  readonly Rules?: Record<string, unknown>;
}

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';

/** Everything the intrinsic resolver needs to know about the (simulated) deployment. */
export interface ResolveContext {
  readonly region: string;
  readonly accountId: string;
  /** @default 'aws' */
  readonly partition?: Partition;
  /** @default 'Stack' — only used for `AWS::StackName` / `AWS::StackId`. */
  readonly stackName?: string;
  /** The physical name of every resource, by logical id (see `assignPhysicalIds`). */
  readonly physicalIds: Record<string, string>;
  /** Overrides for `Fn::GetAtt` (and `Ref`, asked as attribute `Ref`); return `undefined` to fall through. */
  readonly attributes?: (logicalId: string, attribute: string) => string | undefined;
  /** Values of template parameters; a parameter's `Default` is used when absent. */
  readonly parameters?: Record<string, string>;
  /**
   * The template the value comes from. Without it `Ref` returns the physical id as is and `Fn::GetAtt` only
   * works through `attributes`: ARNs are built from the resource type, which only the template knows.
   */
  readonly template?: CfnTemplate;
}

/** A resolution failure, with the JSON path of the value that could not be resolved. */
export class IntrinsicResolutionError extends Error {
  override readonly name = 'IntrinsicResolutionError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${message} (at ${path || '<root>'})`);
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
