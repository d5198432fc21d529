import { AwsError } from '../core/aws-error.ts';
import type { ServiceDefinition } from '../core/service.ts';
import { decodeByShape, inputSchemaOf, queryTree } from './query-shapes.ts';
import { type Codec, type DecodedCall, frontDoor, type WireRequest, type WireResponse } from './wire.ts';
import { buildXml, toXmlNode, type XmlNode } from './xml.ts';

/**
 * awsQuery (EC2 Auto Scaling, Elastic Load Balancing, CloudWatch's query mode): a form-encoded body
 * `Action=…&Version=…&A.member.1.B=x` and an XML response. Requests are decoded by the operation's input
 * shape from the service's model (`ServiceDefinition.schemas`, see query-shapes.ts): a service without a
 * model, or an action its model does not have, cannot be served over this protocol.
 */
export const queryCodec: Codec = {
  protocol: 'awsQuery',
  decode(service: ServiceDefinition, request: WireRequest): DecodedCall {
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
    const schema = service.schemas ? inputSchemaOf(service.schemas, action) : undefined;
    if (!schema) throw frontDoor.unknownOperation('awsQuery', action);
    return { action, input: decodeByShape(queryTree(params), schema) };
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
