import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from '../core/aws-error.ts';
import type { Protocol, ServiceDefinition } from '../core/service.ts';

/** An HTTP request as the protocol codecs see it: already read in full. */
export interface WireRequest {
  readonly method: string;
  /** The path without the query string, percent-decoding left to the codec. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface WireResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer;
}

/** What a codec makes of a request: the operation's name and its SDK-shaped input. */
export interface DecodedCall {
  readonly action: string;
  readonly input: Record<string, unknown>;
}

/** One wire protocol: turns requests into calls and results or errors into responses. */
export interface Codec {
  readonly protocol: Protocol;
  /** Throws AwsError for an unknown operation or a malformed body. */
  decode(service: ServiceDefinition, request: WireRequest): DecodedCall;
  encodeResult(service: ServiceDefinition, action: string, output: unknown, requestId: string): WireResponse;
  encodeError(service: ServiceDefinition, error: AwsError, requestId: string): WireResponse;
}

export function header(request: WireRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** JSON protocols name errors `XxxException`; awsQuery and restXml (Route 53) use the bare AWS codes. */
const isJson = (protocol: Protocol) => protocol === 'awsJson1_0' || protocol === 'awsJson1_1';

/**
 * The errors the protocol layer raises itself, each spelled the way the protocol's real services spell it.
 * Services raise their own domain errors; these are the ones AWS's front door returns before a service runs.
 */
export const frontDoor = {
  missingAuthentication: (protocol: Protocol) =>
    isJson(protocol)
      ? new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403)
      : new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403),
  unknownOperation: (protocol: Protocol, action: string) =>
    isJson(protocol)
      ? new AwsError('UnknownOperationException', `Unknown operation ${action}`, 400)
      : protocol === 'awsQuery'
        ? new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`, 400)
        : new AwsError('UnknownOperationException', `No operation matches ${action}`, 404),
  malformed: (protocol: Protocol, detail: string) =>
    isJson(protocol)
      ? new AwsError('SerializationException', detail, 400)
      : protocol === 'awsQuery'
        ? new AwsError('MalformedQueryString', detail, 400)
        : new AwsError('MalformedInput', detail, 400),
  throttled: (protocol: Protocol) =>
    isJson(protocol)
      ? new AwsError('ThrottlingException', 'Rate exceeded', 400)
      : new AwsError('Throttling', 'Rate exceeded', 400),
  accessDenied: (protocol: Protocol, message: string) =>
    isJson(protocol) ? new AwsError('AccessDeniedException', message, 400) : new AwsError('AccessDenied', message, 403),
  unavailable: (protocol: Protocol, region: string) =>
    isJson(protocol)
      ? new AwsError('ServiceUnavailableException', `Service unavailable in ${region}`, 503)
      : new AwsError('ServiceUnavailable', `Service unavailable in ${region}`, 503),
  unknownRegion: (protocol: Protocol, region: string) =>
    new AwsError(
      isJson(protocol) ? 'UnrecognizedClientException' : 'InvalidClientTokenId',
      `The local cloud has no region ${region}`,
      400,
    ),
  internal: (_protocol: Protocol, detail: string) =>
    new AwsError('InternalFailure', `Internal failure: ${detail}`, 500),
};
