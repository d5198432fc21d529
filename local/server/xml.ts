import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** XML writing and reading shared by the awsQuery and restXml codecs (fast-xml-parser, never string glue). */
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', processEntities: true });
const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
});

export type XmlNode = string | XmlNode[] | { [name: string]: XmlNode };

/**
 * Whether `value` is a Date, whichever `Date` constructor made it: the local cloud swaps the global `Date`
 * for a virtual-time subclass after the fleet is built, so a Date made while building (a scalable target's
 * CreationTime) is not `instanceof` the Date in force when it is written.
 */
export function isDate(value: unknown): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]';
}

/** Builds a document whose root element is `root`, with `xmlns` when a namespace is given. */
export function buildXml(root: string, namespace: string | undefined, content: Record<string, XmlNode>): string {
  const element = namespace ? { '@_xmlns': namespace, ...content } : content;
  return builder.build({ [root]: element }) as string;
}

/** Parses an XML document to plain objects (all leaf values strings); throws on malformed input. */
export function parseXml(text: string): Record<string, unknown> {
  return parser.parse(text, true) as Record<string, unknown>;
}

/**
 * SDK output shape to XML element content. Lists are written as repeated `memberName(field)` elements inside
 * the list's own element; a `Map` is written as `<entry><key/><value/></entry>` items (return a `Map` from a
 * service for an XML map: a plain object is written as a structure). Dates become ISO 8601.
 */
export function toXmlNode(value: unknown, field: string, memberName: (field: string) => string): XmlNode | undefined {
  if (value === undefined || value === null) return undefined;
  if (isDate(value)) return value.toISOString();
  if (Array.isArray(value) || value instanceof Set) {
    const items = [...value].map((item) => toXmlNode(item, field, memberName)).filter((item) => item !== undefined);
    return items.length === 0 ? '' : { [memberName(field)]: items };
  }
  if (value instanceof Map) {
    const entries = [...value].map(([key, item]): XmlNode => {
      const node = toXmlNode(item, 'value', memberName);
      return node === undefined ? { key: String(key) } : { key: String(key), value: node };
    });
    return entries.length === 0 ? '' : { entry: entries };
  }
  if (typeof value === 'object') {
    const out: Record<string, XmlNode> = {};
    for (const [key, item] of Object.entries(value)) {
      const node = toXmlNode(item, key, memberName);
      if (node !== undefined) out[key] = node;
    }
    return out;
  }
  return String(value);
}
