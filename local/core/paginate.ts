import { AwsError } from './aws-error.ts';

/**
 * Pagination as AWS does it: an opaque token that encodes where the next page starts. Tokens are
 * deterministic (base64 of the offset and a fingerprint of the listing), so the same calls give the same
 * tokens; a token from another listing is rejected.
 */
export interface Page<T> {
  readonly items: T[];
  readonly nextToken: string | undefined;
}

export function paginate<T>(
  all: readonly T[],
  options: { token?: string | undefined; max?: number | undefined; defaultMax: number; limit: number; listing: string },
): Page<T> {
  const max = options.max ?? options.defaultMax;
  if (!Number.isInteger(max) || max < 1 || max > options.limit) {
    throw new AwsError('InvalidParameterException', `maxResults must be between 1 and ${options.limit}`);
  }
  let start = 0;
  if (options.token) {
    const decoded = decodeToken(options.token);
    if (!decoded || decoded.listing !== options.listing || decoded.offset > all.length) {
      throw new AwsError('InvalidParameterException', 'The specified nextToken is invalid');
    }
    start = decoded.offset;
  }
  const end = start + max;
  return {
    items: all.slice(start, end),
    nextToken: end < all.length ? encodeToken(options.listing, end) : undefined,
  };
}

function encodeToken(listing: string, offset: number): string {
  return Buffer.from(JSON.stringify({ l: listing, o: offset })).toString('base64');
}

function decodeToken(token: string): { listing: string; offset: number } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { l?: unknown; o?: unknown };
    if (typeof parsed.l !== 'string' || typeof parsed.o !== 'number') return undefined;
    return { listing: parsed.l, offset: parsed.o };
  } catch {
    return undefined;
  }
}
