/** Every client's settings: the SDK's standard retries (3 attempts) in the caller's region. */
export interface ClientSettings {
  readonly region: string;
  readonly maxAttempts: number;
}

/**
 * A client factory memoised per region (and credential and endpoint), like a module-scope client. The
 * clients honour AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> because the SDK reads those itself: pointing
 * Ballast at the local cloud needs no code. The access key and endpoint are part of the key because the
 * local cloud runs several functions (roles), and test suites several clouds, in one process; in Lambda both
 * are fixed, so this is one client per region.
 */
export function perRegion<T>(make: (settings: ClientSettings) => T): (region?: string) => T {
  const cache = new Map<string, T>();
  return (region = process.env.AWS_REGION ?? 'us-east-1') => {
    const key = `${region}|${process.env.AWS_ACCESS_KEY_ID ?? ''}|${process.env.AWS_ENDPOINT_URL ?? ''}`;
    let client = cache.get(key);
    if (client === undefined) {
      client = make({ region, maxAttempts: 3 });
      cache.set(key, client);
    }
    return client;
  };
}
