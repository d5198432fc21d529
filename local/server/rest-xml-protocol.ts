import type { AwsError } from '../core/aws-error.ts';
import type { RestRoute, RestXmlTables, ServiceDefinition } from '../core/service.ts';
import { namespaceOf, xmlErrorResponse, xmlResponse } from './query-protocol.ts';
import { type Codec, type DecodedCall, frontDoor, type WireRequest, type WireResponse } from './wire.ts';
import { buildXml, parseXml, toXmlNode } from './xml.ts';

/**
 * restXml (Route 53): the operation comes from the method and path, its input from path segments, the query
 * string and an XML body whose root is `<ActionRequest>`; the output is written under `<ActionResponse>`
 * with Route 53's element names, errors as `<ErrorResponse><Error>…</Error><RequestId/></ErrorResponse>`.
 */
/** The tables of the service a call is for; a restXml service without them is a wiring error. */
function tablesOf(service: ServiceDefinition): RestXmlTables {
  if (!service.restXml) throw new Error(`${service.signingName} is served as restXml but has no restXml tables`);
  return service.restXml;
}

export function restXmlCodec(): Codec {
  return {
    protocol: 'restXml',
    decode(service: ServiceDefinition, request: WireRequest): DecodedCall {
      const tables = tablesOf(service);
      const matched = matchRoute(tables.routes, request.method, request.path);
      if (!matched) throw frontDoor.unknownOperation('restXml', `${request.method} ${request.path}`);
      const { route, params } = matched;
      const input: Record<string, unknown> = {};
      const text = request.body.toString('utf8').trim();
      if (text !== '') {
        let document: Record<string, unknown>;
        try {
          document = parseXml(text);
        } catch (error) {
          throw frontDoor.malformed('restXml', `Malformed XML body: ${(error as Error).message}`);
        }
        const root = document[`${route.action}Request`];
        if (root === undefined) throw frontDoor.malformed('restXml', `Expected a ${route.action}Request document`);
        if (typeof root === 'object' && root !== null) Object.assign(input, shapeXml(root, '', tables));
      }
      for (const [name, field] of Object.entries(route.query ?? {})) {
        const value = request.query.get(name);
        if (value !== null) input[field] = coerceXml(value, field, tables);
      }
      Object.assign(input, params);
      return { action: route.action, input };
    },
    encodeResult(service, action, output, requestId): WireResponse {
      const tables = tablesOf(service);
      const memberName = (field: string) => tables.listMembers[field] ?? 'member';
      const status = tables.routes.find((route) => route.action === action)?.status ?? 200;
      const content = toXmlNode(output ?? {}, `${action}Response`, memberName);
      const body = buildXml(
        `${action}Response`,
        namespaceOf(service),
        typeof content === 'object' ? (content as never) : {},
      );
      return { ...xmlResponse(status, requestId, body) };
    },
    encodeError(service, error: AwsError, requestId): WireResponse {
      return xmlErrorResponse(service, error, requestId);
    },
  };
}

export function matchRoute(
  routes: readonly RestRoute[],
  method: string,
  path: string,
): { route: RestRoute; params: Record<string, string> } | undefined {
  const segments = path.replace(/\/+$/, '').split('/');
  for (const route of routes) {
    if (route.method !== method) continue;
    const template = route.path.split('/');
    if (template.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (const [i, part] of template.entries()) {
      const segment = segments[i] ?? '';
      if (part.startsWith('{') && part.endsWith('}')) {
        if (segment === '') ok = false;
        else params[part.slice(1, -1)] = safeDecode(segment);
      } else if (part !== segment) ok = false;
      if (!ok) break;
    }
    if (ok) return { route, params };
  }
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Parsed XML (strings, objects, arrays for repeated elements) to the SDK input shape. */
function shapeXml(node: unknown, field: string, tables: RestXmlTables): unknown {
  const member = tables.listMembers[field];
  if (member !== undefined) {
    const items = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[member] : undefined;
    const list = items === undefined ? [] : Array.isArray(items) ? items : [items];
    return list.map((item) => shapeXml(item, member, tables));
  }
  if (typeof node === 'string') return coerceXml(node, field, tables);
  if (typeof node === 'object' && node !== null && !Array.isArray(node)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) out[key] = shapeXml(value, key, tables);
    return out;
  }
  return node;
}

function coerceXml(value: string, field: string, tables: RestXmlTables): unknown {
  if (tables.numberFields.has(field) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (tables.booleanFields.has(field) && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}
