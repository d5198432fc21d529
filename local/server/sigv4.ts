/**
 * Reads the SigV4 credential scope of a request: who signs (access key id), for which region and which
 * service (signing name). The local cloud routes on these; it does not verify signatures.
 */
export interface CredentialScope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

const SCOPE = /Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request/;

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/ecs/aws4_request, SignedHeaders=…, Signature=…`. */
export function parseAuthorization(authorization: string | undefined): CredentialScope | undefined {
  if (!authorization) return undefined;
  return fromScope(SCOPE.exec(authorization));
}

/** Presigned requests carry the scope in `X-Amz-Credential` instead of the Authorization header. */
export function parsePresigned(query: URLSearchParams): CredentialScope | undefined {
  const credential = query.get('X-Amz-Credential');
  if (!credential) return undefined;
  return fromScope(SCOPE.exec(`Credential=${credential}`));
}

function fromScope(match: RegExpExecArray | null): CredentialScope | undefined {
  if (!match) return undefined;
  const [, accessKeyId, date, region, service] = match;
  if (!accessKeyId || !date || !region || !service) return undefined;
  return { accessKeyId, date, region, service };
}
