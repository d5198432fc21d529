import type { AwsError } from '../core/aws-error.ts';
import type { ServiceDefinition } from '../core/service.ts';
import { type Codec, type DecodedCall, frontDoor, header, type WireRequest, type WireResponse } from './wire.ts';
import { isDate } from './xml.ts';

/**
 * awsJson 1.0 and 1.1 (ECS, Application Auto Scaling, Step Functions, EventBridge, CloudWatch's JSON mode):
 * `POST /` with `X-Amz-Target: Prefix.Operation` and a JSON body.
 *
 * Requests: the body is passed through as parsed. Timestamps arrive as epoch-seconds numbers and the codec
 * cannot tell them from other numbers without the model, so it leaves them alone: services accept both a
 * `Date` and a number for timestamp inputs.
 * Responses: `Date` becomes epoch seconds (fractional), `Map` an object, `Set` an array.
 * Errors: `{ "__type": "Code", "message": "…" }` with `x-amzn-ErrorType`, plus `x-amzn-query-error` for
 * clients of services that are awsQuery-compatible (CloudWatch), which read the code from that header.
 */
export function jsonCodec(version: '1.0' | '1.1'): Codec {
  const protocol = version === '1.0' ? 'awsJson1_0' : 'awsJson1_1';
  const contentType = `application/x-amz-json-${version}`;
  return {
    protocol,
    decode(service: ServiceDefinition, request: WireRequest): DecodedCall {
      const target = header(request, 'x-amz-target') ?? '';
      const dot = target.lastIndexOf('.');
      const prefix = dot < 0 ? '' : target.slice(0, dot);
      const action = dot < 0 ? target : target.slice(dot + 1);
      if (!action || (service.targetPrefix !== undefined && prefix !== service.targetPrefix)) {
        throw frontDoor.unknownOperation(protocol, target || '(no X-Amz-Target)');
      }
      return { action, input: parseJsonBody(request.body, protocol) };
    },
    encodeResult(_service, _action, output, requestId): WireResponse {
      return {
        status: 200,
        headers: { 'content-type': contentType, 'x-amzn-requestid': requestId },
        body: JSON.stringify(toJsonWire(output ?? {})),
      };
    },
    encodeError(_service, error: AwsError, requestId): WireResponse {
      return {
        status: error.status,
        headers: {
          'content-type': contentType,
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': error.code,
          'x-amzn-query-error': `${error.code};${error.fault}`,
        },
        body: JSON.stringify({ __type: error.code, message: error.message }),
      };
    },
  };
}

export function parseJsonBody(body: Buffer, protocol: 'awsJson1_0' | 'awsJson1_1'): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw frontDoor.malformed(protocol, `Malformed JSON body: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw frontDoor.malformed(protocol, 'The request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** SDK output shape to JSON wire values: Dates as epoch seconds, Maps and Sets as objects and arrays. */
export function toJsonWire(value: unknown): unknown {
  if (isDate(value)) return value.getTime() / 1000;
  if (Array.isArray(value) || value instanceof Set) return [...value].map(toJsonWire);
  if (value instanceof Map) return toJsonWire(Object.fromEntries(value));
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = toJsonWire(item);
    return out;
  }
  return value;
}
