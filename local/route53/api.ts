import { AwsError } from '../core/aws-error.ts';
import type { OperationContext, ServiceDefinition } from '../core/service.ts';
import type { HealthCheck } from './health.ts';
import { bareId, type ChangeRecord, type HostedZone, type Route53World } from './model.ts';
import { compareRecords, normalizeName, type ResourceRecordSet } from './records.ts';
import { ROUTE53_TABLES } from './routes.ts';

/**
 * Route 53's API (restXml, 2013-04-01), global. The protocol layer maps REST paths to these operation
 * names; inputs and outputs are the SDK v3 command shapes. Ids arrive with or without their '/hostedzone/'
 * or '/change/' prefix. Every call goes through the control plane in us-east-1: while it is impaired the
 * changes fail (and reads too when the impairment says so); DNS answers and health checks do not care.
 */

const r53 = (ctx: OperationContext<Route53World>): Route53World => ctx.model;

const zoneArn = (id: string | undefined) => [id ? `arn:aws:route53:::hostedzone/${bareId(id, 'hostedzone')}` : '*'];
const healthCheckArn = (id: string | undefined) => [id ? `arn:aws:route53:::healthcheck/${id}` : '*'];

function maxItems(value: unknown, fallback: number, limit: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new AwsError('InvalidInput', `MaxItems must be a positive integer, got ${String(value)}`);
  return Math.min(n, limit);
}

function read(ctx: OperationContext<Route53World>): Route53World {
  const route53 = r53(ctx);
  route53.checkControlPlane(true);
  return route53;
}

function describeZone(zone: HostedZone) {
  return {
    Id: `/hostedzone/${zone.id}`,
    Name: zone.name,
    CallerReference: zone.callerReference,
    Config: { Comment: zone.comment, PrivateZone: false },
    ResourceRecordSetCount: zone.records.length,
  };
}

function changeInfo(change: ChangeRecord) {
  return {
    Id: `/change/${change.Id}`,
    Status: change.Status,
    SubmittedAt: change.SubmittedAt,
    Comment: change.Comment,
  };
}

function describeHealthCheck(check: HealthCheck) {
  return {
    Id: check.Id,
    CallerReference: check.CallerReference,
    HealthCheckConfig: structuredClone(check.HealthCheckConfig),
    HealthCheckVersion: check.HealthCheckVersion,
  };
}

function listHostedZones(input: { Marker?: string; MaxItems?: number | string }, ctx: OperationContext<Route53World>) {
  const max = maxItems(input.MaxItems, 100, 100);
  const zones = read(ctx).allZones();
  let start = 0;
  if (input.Marker) {
    start = zones.findIndex((z) => z.id === bareId(input.Marker!, 'hostedzone'));
    if (start < 0) throw new AwsError('InvalidInput', `The marker ${input.Marker} does not name a hosted zone`);
  }
  const page = zones.slice(start, start + max);
  const next = zones[start + max];
  return {
    HostedZones: page.map(describeZone),
    Marker: input.Marker,
    IsTruncated: next !== undefined,
    NextMarker: next?.id,
    MaxItems: max,
  };
}

function listResourceRecordSets(
  input: {
    HostedZoneId?: string;
    StartRecordName?: string;
    StartRecordType?: string;
    StartRecordIdentifier?: string;
    MaxItems?: number | string;
  },
  ctx: OperationContext<Route53World>,
) {
  const zone = read(ctx).requireZone(input.HostedZoneId);
  const max = maxItems(input.MaxItems, 300, 300);
  if (input.StartRecordType && !input.StartRecordName) {
    throw new AwsError('InvalidInput', 'The input is not valid: StartRecordType requires StartRecordName');
  }
  if (input.StartRecordIdentifier && !input.StartRecordType) {
    throw new AwsError('InvalidInput', 'The input is not valid: StartRecordIdentifier requires StartRecordType');
  }
  const records = [...zone.records].sort(compareRecords);
  let start = 0;
  if (input.StartRecordName) {
    const from = {
      Name: normalizeName(input.StartRecordName),
      Type: input.StartRecordType ?? '',
      SetIdentifier: input.StartRecordIdentifier,
    };
    start = records.findIndex((rs) => compareRecords(rs, from) >= 0);
    if (start < 0) start = records.length;
  }
  const page = records.slice(start, start + max);
  const next: ResourceRecordSet | undefined = records[start + max];
  return {
    ResourceRecordSets: page.map((rs) => structuredClone(rs)),
    IsTruncated: next !== undefined,
    NextRecordName: next?.Name,
    NextRecordType: next?.Type,
    NextRecordIdentifier: next?.SetIdentifier,
    MaxItems: max,
  };
}

function listHealthChecks(input: { Marker?: string; MaxItems?: number | string }, ctx: OperationContext<Route53World>) {
  const max = maxItems(input.MaxItems, 100, 1000);
  const checks = [...read(ctx).healthChecks.values()].sort((a, b) => (a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0));
  let start = 0;
  if (input.Marker) {
    start = checks.findIndex((c) => c.Id === input.Marker);
    if (start < 0) throw new AwsError('InvalidInput', `The marker ${input.Marker} does not name a health check`);
  }
  const page = checks.slice(start, start + max);
  const next = checks[start + max];
  return {
    HealthChecks: page.map(describeHealthCheck),
    Marker: input.Marker ?? '',
    IsTruncated: next !== undefined,
    NextMarker: next?.Id,
    MaxItems: max,
  };
}

function listHostedZonesByName(
  input: { DNSName?: string; HostedZoneId?: string; MaxItems?: number | string },
  ctx: OperationContext<Route53World>,
) {
  const max = maxItems(input.MaxItems, 100, 100);
  const reversed = (name: string) => normalizeName(name).replace(/\.$/, '').split('.').reverse().join('.');
  const zones = [...read(ctx).allZones()].sort((a, b) =>
    reversed(a.name) < reversed(b.name) ? -1 : reversed(a.name) > reversed(b.name) ? 1 : a.id < b.id ? -1 : 1,
  );
  if (input.HostedZoneId && !input.DNSName) {
    throw new AwsError('InvalidInput', 'The input is not valid: HostedZoneId requires DNSName');
  }
  let start = 0;
  if (input.DNSName) {
    const from = reversed(input.DNSName);
    const id = input.HostedZoneId ? bareId(input.HostedZoneId, 'hostedzone') : '';
    start = zones.findIndex((z) => reversed(z.name) > from || (reversed(z.name) === from && z.id >= id));
    if (start < 0) start = zones.length;
  }
  const page = zones.slice(start, start + max);
  const next = zones[start + max];
  return {
    HostedZones: page.map(describeZone),
    DNSName: input.DNSName,
    HostedZoneId: input.HostedZoneId,
    IsTruncated: next !== undefined,
    NextDNSName: next?.name,
    NextHostedZoneId: next?.id,
    MaxItems: max,
  };
}

export const route53Service: ServiceDefinition<Route53World> = {
  restXml: ROUTE53_TABLES,
  signingName: 'route53',
  iamPrefix: 'route53',
  protocol: 'restXml',
  xmlNamespace: 'https://route53.amazonaws.com/doc/2013-04-01/',
  global: true,
  operations: {
    ListHostedZones: listHostedZones,
    ListHostedZonesByName: listHostedZonesByName,
    CreateHostedZone: (
      input: {
        Name?: string;
        CallerReference?: string;
        HostedZoneConfig?: { Comment?: string; PrivateZone?: boolean };
      },
      ctx,
    ) => {
      if (!input.Name || !input.CallerReference)
        throw new AwsError('InvalidInput', 'Name and CallerReference are required');
      if (input.HostedZoneConfig?.PrivateZone) {
        throw new AwsError('InvalidInput', 'The local cloud models public hosted zones only');
      }
      const { zone, change } = r53(ctx).createHostedZoneViaApi(
        input.Name,
        input.CallerReference,
        input.HostedZoneConfig?.Comment,
      );
      const ns = zone.records.find((rs) => rs.Type === 'NS')?.ResourceRecords ?? [];
      return {
        HostedZone: describeZone(zone),
        ChangeInfo: changeInfo(change),
        DelegationSet: { NameServers: ns.map((r) => r.Value.replace(/\.$/, '')) },
        Location: `https://route53.amazonaws.com/2013-04-01/hostedzone/${zone.id}`,
      };
    },
    DeleteHostedZone: {
      handler: (input: { Id?: string }, ctx) => ({ ChangeInfo: changeInfo(r53(ctx).deleteHostedZone(input.Id)) }),
      resources: (input: { Id?: string }) => zoneArn(input.Id),
    },
    GetHostedZone: {
      handler: (input: { Id?: string }, ctx) => {
        const zone = read(ctx).requireZone(input.Id);
        const ns = zone.records.find((rs) => rs.Type === 'NS' && rs.Name === zone.name);
        const servers = (ns?.ResourceRecords ?? []).map((r) => r.Value.replace(/\.$/, ''));
        return { HostedZone: describeZone(zone), DelegationSet: { NameServers: servers } };
      },
      resources: (input: { Id?: string }) => zoneArn(input.Id),
    },
    ListResourceRecordSets: {
      handler: listResourceRecordSets,
      resources: (input: { HostedZoneId?: string }) => zoneArn(input.HostedZoneId),
    },
    ChangeResourceRecordSets: {
      handler: (input: { HostedZoneId?: string; ChangeBatch?: { Comment?: string; Changes?: [] } }, ctx) => {
        const change = r53(ctx).changeResourceRecordSets(
          input.HostedZoneId,
          input.ChangeBatch?.Changes ?? [],
          input.ChangeBatch?.Comment,
        );
        return { ChangeInfo: changeInfo(change) };
      },
      resources: (input: { HostedZoneId?: string }) => zoneArn(input.HostedZoneId),
    },
    GetChange: {
      handler: (input: { Id?: string }, ctx) => ({ ChangeInfo: changeInfo(read(ctx).change(input.Id ?? '')) }),
      resources: (input: { Id?: string }) => [
        input.Id ? `arn:aws:route53:::change/${bareId(input.Id, 'change')}` : '*',
      ],
    },
    ListHealthChecks: listHealthChecks,
    GetHealthCheck: {
      handler: (input: { HealthCheckId?: string }, ctx) => ({
        HealthCheck: describeHealthCheck(read(ctx).healthCheck(input.HealthCheckId)),
      }),
      resources: (input: { HealthCheckId?: string }) => healthCheckArn(input.HealthCheckId),
    },
    GetHealthCheckStatus: {
      handler: (input: { HealthCheckId?: string }, ctx) => ({
        HealthCheckObservations: read(ctx).observations(input.HealthCheckId),
      }),
      resources: (input: { HealthCheckId?: string }) => healthCheckArn(input.HealthCheckId),
    },
    UpdateHealthCheck: {
      handler: (input: Record<string, unknown> & { HealthCheckId?: string }, ctx) => {
        const { HealthCheckId, ...update } = input;
        return { HealthCheck: describeHealthCheck(r53(ctx).updateHealthCheck(HealthCheckId, update)) };
      },
      resources: (input: { HealthCheckId?: string }) => healthCheckArn(input.HealthCheckId),
    },
    CreateHealthCheck: (input: { CallerReference?: string; HealthCheckConfig?: { Type: string } }, ctx) => {
      const route53 = r53(ctx);
      route53.checkControlPlane(false);
      if (!input.CallerReference) throw new AwsError('InvalidInput', 'CallerReference is required');
      if (!input.HealthCheckConfig?.Type) throw new AwsError('InvalidInput', 'HealthCheckConfig.Type is required');
      const check = route53.createHealthCheck(input.CallerReference, input.HealthCheckConfig);
      return {
        HealthCheck: describeHealthCheck(check),
        Location: `https://route53.amazonaws.com/2013-04-01/healthcheck/${check.Id}`,
      };
    },
    DeleteHealthCheck: {
      handler: (input: { HealthCheckId?: string }, ctx) => {
        r53(ctx).deleteHealthCheck(input.HealthCheckId);
        return {};
      },
      resources: (input: { HealthCheckId?: string }) => healthCheckArn(input.HealthCheckId),
    },
  },
};
