import type { RestRoute, RestXmlTables } from '../core/service.ts';

/**
 * Route 53's REST bindings (API version 2013-04-01): method and path template to operation, query-string
 * parameters to input fields, and the XML list wrappers with their member element names. Taken from the
 * Route 53 API reference and the SDK's own bindings; the operations Ballast and its tooling call, plus
 * the create/delete calls a scenario sets up with.
 */

const V = '/2013-04-01';

export const ROUTE53_ROUTES: readonly RestRoute[] = [
  {
    method: 'GET',
    path: `${V}/hostedzone`,
    action: 'ListHostedZones',
    query: {
      marker: 'Marker',
      maxitems: 'MaxItems',
      delegationsetid: 'DelegationSetId',
      hostedzonetype: 'HostedZoneType',
    },
  },
  { method: 'POST', path: `${V}/hostedzone`, action: 'CreateHostedZone', status: 201 },
  { method: 'GET', path: `${V}/hostedzone/{Id}`, action: 'GetHostedZone' },
  { method: 'DELETE', path: `${V}/hostedzone/{Id}`, action: 'DeleteHostedZone' },
  {
    method: 'GET',
    path: `${V}/hostedzonesbyname`,
    action: 'ListHostedZonesByName',
    query: { dnsname: 'DNSName', hostedzoneid: 'HostedZoneId', maxitems: 'MaxItems' },
  },
  {
    method: 'GET',
    path: `${V}/hostedzone/{HostedZoneId}/rrset`,
    action: 'ListResourceRecordSets',
    query: {
      name: 'StartRecordName',
      type: 'StartRecordType',
      identifier: 'StartRecordIdentifier',
      maxitems: 'MaxItems',
    },
  },
  { method: 'POST', path: `${V}/hostedzone/{HostedZoneId}/rrset`, action: 'ChangeResourceRecordSets' },
  { method: 'GET', path: `${V}/change/{Id}`, action: 'GetChange' },
  {
    method: 'GET',
    path: `${V}/healthcheck`,
    action: 'ListHealthChecks',
    query: { marker: 'Marker', maxitems: 'MaxItems' },
  },
  { method: 'POST', path: `${V}/healthcheck`, action: 'CreateHealthCheck', status: 201 },
  { method: 'GET', path: `${V}/healthcheck/{HealthCheckId}`, action: 'GetHealthCheck' },
  { method: 'POST', path: `${V}/healthcheck/{HealthCheckId}`, action: 'UpdateHealthCheck' },
  { method: 'DELETE', path: `${V}/healthcheck/{HealthCheckId}`, action: 'DeleteHealthCheck' },
  { method: 'GET', path: `${V}/healthcheck/{HealthCheckId}/status`, action: 'GetHealthCheckStatus' },
];

/** XML list wrapper element to its member element, in requests and responses alike. */
export const ROUTE53_LIST_MEMBERS: Readonly<Record<string, string>> = {
  Changes: 'Change',
  ResourceRecords: 'ResourceRecord',
  ResourceRecordSets: 'ResourceRecordSet',
  HostedZones: 'HostedZone',
  HealthChecks: 'HealthCheck',
  HealthCheckObservations: 'HealthCheckObservation',
  ChildHealthChecks: 'ChildHealthCheck',
  Regions: 'Region',
  ResetElements: 'ResettableElementName',
  NameServers: 'NameServer',
  VPCs: 'VPC',
  Tags: 'Tag',
  Messages: 'Message',
  LinkedServices: 'LinkedService',
};

/** Request fields that are numbers or booleans in the model (XML carries every value as text). */
export const ROUTE53_NUMBER_FIELDS: ReadonlySet<string> = new Set([
  'Weight',
  'TTL',
  'Port',
  'FailureThreshold',
  'HealthThreshold',
  'RequestInterval',
  'HealthCheckVersion',
  'MaxItems',
]);

export const ROUTE53_BOOLEAN_FIELDS: ReadonlySet<string> = new Set([
  'EvaluateTargetHealth',
  'Inverted',
  'Disabled',
  'EnableSNI',
  'MeasureLatency',
  'PrivateZone',
]);

export const ROUTE53_TABLES: RestXmlTables = {
  routes: ROUTE53_ROUTES,
  listMembers: ROUTE53_LIST_MEMBERS,
  numberFields: ROUTE53_NUMBER_FIELDS,
  booleanFields: ROUTE53_BOOLEAN_FIELDS,
};
