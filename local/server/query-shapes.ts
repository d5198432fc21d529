import { NormalizedSchema } from '@smithy/core/schema';
import { AwsError } from '../core/aws-error.ts';

/**
 * awsQuery requests decoded by the service's model: the operation's input shape (the Smithy schema that the
 * AWS SDK v3 client package ships, i.e. AWS's own model) says which field is a string, a number, a boolean,
 * a timestamp, a list or a map, so `Value=1.5` becomes 1.5 in a MetricDatum and `AlarmDescription=42` stays
 * the string "42". Keys follow the awsQuery rules the SDK's serializer writes: a member's `xmlName` when it
 * has one, lists as `Name.member.N` (or the member's `xmlName`) unless flattened (`Name.N`), maps as
 * `Name.entry.N.key` / `.value`, an empty list as `Name=`. A value that does not fit its shape is a 400
 * `InvalidParameterValue` naming the parameter, before the operation runs.
 */

/** An operation schema as the SDK exports it (`PutMetricData$`): `[9, namespace, name, traits, input, output]`. */
export type OperationSchema = readonly unknown[];

/** The operations of one service: the SDK client package's exports, looked up as `${Action}$`. */
export type ServiceSchemas = Readonly<Record<string, unknown>>;

export type QueryTree = { [key: string]: QueryTree | string };

export function inputSchemaOf(schemas: ServiceSchemas, action: string): NormalizedSchema | undefined {
  const operation = schemas[`${action}$`];
  if (!Array.isArray(operation) || operation[0] !== 9) return undefined;
  return NormalizedSchema.of(operation[4] as Parameters<typeof NormalizedSchema.of>[0]);
}

/** `A.member.1.B=x` to a tree `{ A: { member: { 1: { B: 'x' } } } }`; a key given twice keeps its first value. */
export function queryTree(params: URLSearchParams): QueryTree {
  const root: QueryTree = {};
  for (const [key, value] of params) {
    const path = key.split('.');
    let node = root;
    for (const [i, segment] of path.entries()) {
      if (i === path.length - 1) {
        if (node[segment] === undefined) node[segment] = value;
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
  return root;
}

/** The input of one call, shaped like the SDK command input. */
export function decodeByShape(tree: QueryTree, schema: NormalizedSchema): Record<string, unknown> {
  return (decode(tree, schema, '') ?? {}) as Record<string, unknown>;
}

function decode(node: QueryTree | string | undefined, schema: NormalizedSchema, path: string): unknown {
  if (node === undefined) return undefined;
  if (schema.isStructSchema()) {
    if (typeof node === 'string') return node === '' ? {} : invalid(path, node, 'a structure');
    const out: Record<string, unknown> = {};
    for (const [name, member] of schema.structIterator()) {
      const key = member.getMergedTraits().xmlName ?? name;
      const value = decode(node[key], member, path ? `${path}.${key}` : key);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
  if (schema.isListSchema()) {
    if (typeof node === 'string') return node === '' ? [] : invalid(path, node, 'a list');
    const member = schema.getValueSchema();
    const items = schema.getMergedTraits().xmlFlattened ? node : node[member.getMergedTraits().xmlName ?? 'member'];
    if (items === undefined || typeof items === 'string') return [];
    return indexed(items).map(([i, item]) => decode(item, member, `${path}.member.${i}`));
  }
  if (schema.isMapSchema()) {
    if (typeof node === 'string') return node === '' ? {} : invalid(path, node, 'a map');
    const keyName = schema.getKeySchema().getMergedTraits().xmlName ?? 'key';
    const valueSchema = schema.getValueSchema();
    const valueName = valueSchema.getMergedTraits().xmlName ?? 'value';
    const entries = schema.getMergedTraits().xmlFlattened ? node : node.entry;
    const map: Record<string, unknown> = {};
    if (entries === undefined || typeof entries === 'string') return map;
    for (const [i, entry] of indexed(entries)) {
      if (typeof entry !== 'object' || typeof entry[keyName] !== 'string') continue;
      map[entry[keyName] as string] = decode(entry[valueName], valueSchema, `${path}.entry.${i}.${valueName}`);
    }
    return map;
  }
  if (typeof node !== 'string') return invalid(path, '(nested parameters)', 'a single value');
  return scalar(node, schema, path);
}

function scalar(value: string, schema: NormalizedSchema, path: string): unknown {
  if (schema.isBooleanSchema()) {
    if (value === 'true') return true;
    if (value === 'false') return false;
    return invalid(path, value, 'true or false');
  }
  if (schema.isNumericSchema() || schema.isBigIntegerSchema() || schema.isBigDecimalSchema()) {
    const number = value.trim() === '' ? Number.NaN : Number(value);
    return Number.isFinite(number) ? number : invalid(path, value, 'a number');
  }
  if (schema.isTimestampSchema()) {
    const date = /^-?\d+(\.\d+)?$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
    return Number.isNaN(date.getTime()) ? invalid(path, value, 'an ISO 8601 timestamp or epoch seconds') : date;
  }
  if (schema.isBlobSchema()) return new Uint8Array(Buffer.from(value, 'base64'));
  return value;
}

function indexed(node: QueryTree): Array<[number, QueryTree | string]> {
  return Object.keys(node)
    .filter((key) => /^[1-9]\d*$/.test(key))
    .map((key) => [Number(key), node[key]!] as [number, QueryTree | string])
    .sort((a, b) => a[0] - b[0]);
}

function invalid(path: string, value: string, expected: string): never {
  throw new AwsError(
    'InvalidParameterValue',
    `Value '${value}' for parameter ${path} is invalid: it must be ${expected}.`,
    400,
  );
}
