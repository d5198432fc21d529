/**
 * cdk-nag v3 (AwsSolutions pack) findings as data, so infra tests can assert there are none.
 *
 * cdk-nag v3 is a CDK policy-validation plugin: an app registers it with
 * `Validations.of(app).addPlugins(new AwsSolutionsChecks(app))` and synth fails on violations. Tests call the
 * pack's own `validateScope` instead, which walks the same construct tree with the same rules and honours the
 * same acknowledgements (`Validations.of(construct).acknowledge({ id, reason })`), but returns the findings
 * rather than throwing, so a test can print them.
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export interface NagFinding {
  /** e.g. `AwsSolutions-IAM5[Resource::*]` (the id to acknowledge). */
  readonly ruleId: string;
  /** The construct path of the offending resource, e.g. `Stack/Role/DefaultPolicy/Resource`. */
  readonly path: string;
  readonly message: string;
  readonly severity: string;
}

export interface NagOptions {
  /** @default a fresh `AwsSolutionsChecks` */
  readonly pack?: NagPack;
  /** @default true (cdk-nag warnings are findings too: Ballast's bar is "clean", not "no errors") */
  readonly includeWarnings?: boolean;
}

/** Every unacknowledged finding of the pack on `scope` (an app, a stage or a stack), sorted by path. */
export function nagFindings(scope: IConstruct, options: NagOptions = {}): NagFinding[] {
  const pack = options.pack ?? new AwsSolutionsChecks();
  const report = pack.validateScope(scope);
  const findings: NagFinding[] = [];
  for (const violation of report.violations) {
    if (options.includeWarnings === false && violation.severity === 'warning') continue;
    for (const resource of violation.violatingResources) {
      findings.push({
        ruleId: violation.ruleName,
        path: resource.constructPath ?? resource.resourceLogicalId ?? '<unknown>',
        message: violation.description,
        severity: violation.severity ?? 'error',
      });
    }
  }
  return findings.sort((a, b) => a.path.localeCompare(b.path) || a.ruleId.localeCompare(b.ruleId));
}

export interface NagAcknowledgement {
  readonly path: string;
  readonly ruleId: string;
  readonly reason: string;
}

/** Every acknowledgement recorded under `scope` (with `Validations.of(x).acknowledge`), with its reason. */
export function acknowledgements(scope: IConstruct): NagAcknowledgement[] {
  const found: NagAcknowledgement[] = [];
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || typeof entry.data !== 'object') continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        found.push({
          path: construct.node.path,
          ruleId: id.replace(/^annotation::/i, ''),
          reason: String(reason ?? ''),
        });
      }
    }
  }
  return found;
}

/** Acknowledgements whose reason is missing or too short to tell a reviewer why (< `minLength` characters). */
export function unjustifiedAcknowledgements(scope: IConstruct, minLength = 20): NagAcknowledgement[] {
  return acknowledgements(scope).filter((ack) => ack.reason.trim().length < minLength);
}

/** One line per finding, for assertion messages. */
export function formatNagFindings(findings: NagFinding[]): string {
  return findings.map((f) => `[${f.severity}] ${f.ruleId} at ${f.path}: ${f.message}`).join('\n');
}
