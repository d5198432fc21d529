import type { RoleInfo } from '#local/deploy/template.ts';

/**
 * The actions a deployed role's policies allow, for "every grant is used" checks against the call records.
 * Left out: DynamoDB (its grants come as CDK's sets, `grantReadWriteData` and the like, wider than what one
 * run calls; the ledger grants are checked by their own tests), and CloudWatch Logs and X-Ray (written by the
 * Lambda and Step Functions services for the role, which the local cloud does not model).
 */
export function grantedActions(role: Pick<RoleInfo, 'policyDocuments'>): Set<string> {
  return new Set(
    role.policyDocuments
      .flatMap((d) => (d.Statement ?? []) as Array<{ Effect?: string; Action?: string | string[] }>)
      .filter((st) => st.Effect === 'Allow')
      .flatMap((st) => [st.Action ?? []].flat())
      .filter((a) => !/^(dynamodb|logs|xray):/.test(a)),
  );
}
