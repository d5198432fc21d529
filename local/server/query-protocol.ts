import { AwsError } from '../core/aws-error.ts';
import type { ServiceDefinition } from '../core/service.ts';
import { type Codec, type DecodedCall, frontDoor, type WireRequest, type WireResponse } from './wire.ts';
import { buildXml, toXmlNode, type XmlNode } from './xml.ts';

/**
 * awsQuery (EC2 Auto Scaling, Elastic Load Balancing, CloudWatch's query mode): a form-encoded body
 * `Action=…&Version=…&A.member.1.B=x` and an XML response.
 *
 * Without the service model the codec cannot know field types, so it decodes every value as a string and
 * then coerces: `true`/`false` to booleans, plain decimal numbers to numbers and full ISO 8601 timestamps to
 * Dates, EXCEPT in the fields of STRING_FIELDS, which are strings in every AWS model even when a value
 * looks numeric (a tag value "1", a launch template version "3", a token "12"). Known gap: an empty list
 * (`Names=`) arrives as the empty string, as the model-less wire cannot tell it from an empty string.
 */
export const STRING_FIELDS: ReadonlySet<string> = new Set([
  'AccountId',
  'AlarmName',
  'AlarmNamePrefix',
  'AlarmNames',
  'AutoScalingGroupName',
  'AutoScalingGroupNames',
  'ClientToken',
  'Description',
  'Expression',
  'Id',
  'InstanceId',
  'InstanceIds',
  'Key',
  'Label',
  'LaunchConfigurationName',
  'LaunchTemplateId',
  'LaunchTemplateName',
  'LaunchTemplateVersion',
  'LifecycleActionToken',
  'LifecycleHookName',
  'LifecycleHookNames',
  'Marker',
  'Message',
  'MetricName',
  'Name',
  'Names',
  'Namespace',
  'NextToken',
  'NotificationMetadata',
  'OwnerId',
  'PolicyName',
  'PolicyNames',
  'Recurrence',
  'ResourceId',
  'ScheduledActionName',
  'ScheduledActionNames',
  'StateReason',
  'StateReasonData',
  'TimeZone',
  'Value',
  'Values',
  'Version',
]);

const NUMBER = /^-?(0|[1-9]\d{0,14})(\.\d+)?$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const INDEX = /^[1-9]\d*$/;

type Tree = { [key: string]: Tree | string };

export const queryCodec: Codec = {
  protocol: 'awsQuery',
  decode(_service: ServiceDefinition, request: WireRequest): DecodedCall {
    const params = new URLSearchParams(request.query);
    const contentType = String(request.headers['content-type'] ?? '');
    if (request.body.length > 0) {
      if (!contentType.includes('application/x-www-form-urlencoded')) {
        throw frontDoor.malformed(
          'awsQuery',
          `Unsupported content type ${contentType || '(none)'} for a query request`,
        );
      }
      for (const [key, value] of new URLSearchParams(request.body.toString('utf8'))) params.append(key, value);
    }
    const action = params.get('Action');
    if (!action) throw new AwsError('MissingAction', 'The request must contain the parameter Action.', 400);
    params.delete('Action');
    params.delete('Version');
    return { action, input: decodeQueryParams(params) };
  },
  encodeResult(service, action, output, requestId): WireResponse {
    const content: Record<string, XmlNode> = {};
    const result = toXmlNode(output ?? {}, `${action}Result`, () => 'member');
    if (result !== undefined && !(typeof result === 'object' && Object.keys(result).length === 0)) {
      content[`${action}Result`] = result;
    }
    content.ResponseMetadata = { RequestId: requestId };
    return xmlResponse(200, requestId, buildXml(`${action}Response`, namespaceOf(service), content));
  },
  encodeError(service, error: AwsError, requestId): WireResponse {
    return xmlErrorResponse(service, error, requestId);
  },
};

export function namespaceOf(service: ServiceDefinition): string {
  return service.xmlNamespace ?? `https://${service.signingName}.amazonaws.com/doc/`;
}

/** The error body awsQuery and restXml services share: `<ErrorResponse><Error><Type/><Code/><Message/>`. */
export function xmlErrorResponse(service: ServiceDefinition, error: AwsError, requestId: string): WireResponse {
  return xmlResponse(
    error.status,
    requestId,
    buildXml('ErrorResponse', namespaceOf(service), {
      Error: { Type: error.fault, Code: error.code, Message: error.message },
      RequestId: requestId,
    }),
  );
}

export function xmlResponse(status: number, requestId: string, body: string): WireResponse {
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

/** `A.member.1.B=x&M.entry.1.key=k&M.entry.1.value=v` to `{ A: [{ B: 'x' }], M: { k: 'v' } }`. */
export function decodeQueryParams(params: URLSearchParams): Record<string, unknown> {
  const root: Tree = {};
  for (const [key, value] of params) {
    const path = key.split('.');
    let node = root;
    for (const [i, segment] of path.entries()) {
      if (i === path.length - 1) {
        if (typeof node[segment] !== 'object') node[segment] = value;
      } else {
        let next = node[segment];
        if (typeof next !== 'object') {
          next = {};
          node[segment] = next;
        }
        node = next;
      }
    }
  }
  return shape(root, '') as Record<string, unknown>;
}

function shape(node: Tree | string, field: string): unknown {
  if (typeof node === 'string') return coerce(node, field);
  const keys = Object.keys(node);
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only === 'member' && typeof node.member === 'object')
    return indexed(node.member).map((item) => shape(item, field));
  if (only === 'entry' && typeof node.entry === 'object') {
    const map: Record<string, unknown> = {};
    for (const entry of indexed(node.entry)) {
      if (typeof entry !== 'object' || typeof entry.key !== 'string') continue;
      const value = entry.value;
      map[entry.key] = value === undefined ? undefined : typeof value === 'string' ? value : shape(value, 'value');
    }
    return map;
  }
  // Flattened lists (`InstanceId.1=…`): every key an index.
  if (keys.length > 0 && keys.every((key) => INDEX.test(key))) return indexed(node).map((item) => shape(item, field));
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = shape(node[key]!, key);
  return out;
}

function indexed(node: Tree | string): Array<Tree | string> {
  if (typeof node === 'string') return [];
  return Object.keys(node)
    .filter((key) => INDEX.test(key))
    .sort((a, b) => Number(a) - Number(b))
    .map((key) => node[key]!);
}

function coerce(value: string, field: string): unknown {
  if (STRING_FIELDS.has(field)) return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (NUMBER.test(value)) return Number(value);
  if (TIMESTAMP.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  return value;
}
