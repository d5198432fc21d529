import { describe, expect, it } from 'vitest';
import { route53Service as r53 } from '#local/route53/api.ts';
import { minutes, PRIMARY, RECORD, type ScalingWorld, STANDBY, scalingWorld } from './scaling-world.ts';

const ZONE = 'Z0TESTZONE';

function weighted(region: string, weight: number, healthCheckId?: string) {
  return {
    Name: `${RECORD}.`,
    Type: 'CNAME',
    SetIdentifier: region,
    Weight: weight,
    TTL: 60,
    ResourceRecords: [{ Value: `alb.${region}.example.com` }],
    HealthCheckId: healthCheckId,
  };
}

/** UPSERTs both weighted records with the given weights, keeping their health checks. */
function setWeights(s: ScalingWorld, primary: number, standby: number, zoneId = ZONE) {
  const hc = (r: string) => s.fleet.healthChecks.get(r);
  return s.call<{ ChangeInfo: { Id: string; Status: string } }>(r53, 'ChangeResourceRecordSets', {
    HostedZoneId: zoneId,
    ChangeBatch: {
      Changes: [
        { Action: 'UPSERT', ResourceRecordSet: weighted(PRIMARY, primary, hc(PRIMARY)) },
        { Action: 'UPSERT', ResourceRecordSet: weighted(STANDBY, standby, hc(STANDBY)) },
      ],
    },
  });
}

const share = (s: ScalingWorld, region: string) => s.world.route53.regionShares(RECORD).get(region) ?? 0;

describe('Route 53 in the local cloud', () => {
  it('sends every client to the primary at first: weight 255 against a weight-0 standby', () => {
    // Arrange
    const s = scalingWorld();

    // Act
    const shares = s.world.route53.regionShares(RECORD);

    // Assert
    expect(Object.fromEntries(shares)).toEqual({ [PRIMARY]: 1 });
    expect(s.world.route53.regionShares('nothing.example.com').size).toBe(0);
  });

  it('changes answers only after INSYNC, then moves clients gradually over one TTL', async () => {
    // Arrange
    const s = scalingWorld();

    // Act
    const { ChangeInfo } = await setWeights(s, 128, 128);
    const pending = ChangeInfo.Status;
    const before: number[] = [];
    while (s.world.route53.change(ChangeInfo.Id).Status === 'PENDING') {
      before.push(share(s, STANDBY));
      await s.world.clock.runFor(1000);
    }
    const insyncAt = s.world.now();
    await s.world.clock.runFor(30_000);
    const halfway = share(s, STANDBY);
    await s.world.clock.runFor(30_000);
    const after = share(s, STANDBY);

    // Assert
    expect(pending).toBe('PENDING');
    expect(ChangeInfo.Id).toMatch(/^\/change\/C[A-Z0-9]+$/);
    expect(before.every((v) => v === 0)).toBe(true);
    expect(insyncAt - s.world.startMs).toBeLessThanOrEqual(60_000);
    expect(halfway).toBeGreaterThan(0.2);
    expect(halfway).toBeLessThan(0.3);
    expect(after).toBeCloseTo(0.5, 5);
    const { ChangeInfo: got } = await s.call<{ ChangeInfo: { Status: string } }>(r53, 'GetChange', {
      Id: ChangeInfo.Id,
    });
    expect(got.Status).toBe('INSYNC');
  });

  it('rejects a change that arrives while the previous one is being processed, not while it is PENDING', async () => {
    // Arrange
    const s = scalingWorld();
    const { ChangeInfo: first } = await setWeights(s, 200, 55);

    // Act: at once, then a few seconds later (the first still PENDING propagation)
    const atOnce = setWeights(s, 128, 128, `/hostedzone/${ZONE}`);
    await expect(atOnce).rejects.toMatchObject({ code: 'PriorRequestNotComplete', status: 400 });
    await s.world.clock.runFor(3_000);
    const { ChangeInfo: second } = await setWeights(s, 0, 200);

    // Assert: accepted while the first is PENDING; they go INSYNC in order and the answer is the second's
    const status = async (id: string) =>
      (await s.call<{ ChangeInfo: { Status: string } }>(r53, 'GetChange', { Id: id })).ChangeInfo.Status;
    expect(await status(first.Id)).toBe('PENDING');
    expect(second.Status).toBe('PENDING');
    await s.world.clock.runFor(61_000);
    expect(await status(first.Id)).toBe('INSYNC');
    expect(await status(second.Id)).toBe('INSYNC');
    await s.world.clock.runFor(120_000);
    expect(share(s, STANDBY)).toBeCloseTo(1, 5);
  });

  it('rejects a weight above 255 with InvalidChangeBatch and changes nothing', async () => {
    // Arrange
    const s = scalingWorld();

    // Act
    const bad = setWeights(s, 300, 0);

    // Assert
    await expect(bad).rejects.toMatchObject({ code: 'InvalidChangeBatch' });
    const { ResourceRecordSets } = await s.call<{
      ResourceRecordSets: Array<{ SetIdentifier?: string; Weight?: number }>;
    }>(r53, 'ListResourceRecordSets', { HostedZoneId: ZONE, StartRecordName: RECORD, StartRecordType: 'CNAME' });
    expect(ResourceRecordSets.find((rs) => rs.SetIdentifier === PRIMARY)?.Weight).toBe(255);
  });

  it("reports AWS's messages for creating an existing record and deleting a missing one", async () => {
    // Arrange
    const s = scalingWorld();

    // Act
    const create = s.call(r53, 'ChangeResourceRecordSets', {
      HostedZoneId: ZONE,
      ChangeBatch: {
        Changes: [{ Action: 'CREATE', ResourceRecordSet: weighted(PRIMARY, 1, s.fleet.healthChecks.get(PRIMARY)) }],
      },
    });
    const remove = s.call(r53, 'ChangeResourceRecordSets', {
      HostedZoneId: ZONE,
      ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: weighted('eu-west-1', 1) }] },
    });

    // Assert
    await expect(create).rejects.toMatchObject({
      code: 'InvalidChangeBatch',
      messages: [
        `Tried to create resource record set [name='api.example.com.', type='CNAME', set-identifier='${PRIMARY}'] but it already exists`,
      ],
    });
    await expect(remove).rejects.toMatchObject({
      messages: [
        "Tried to delete resource record set [name='api.example.com.', type='CNAME', set-identifier='eu-west-1'] but it was not found",
      ],
    });
  });

  it('moves clients to the weight-0 standby when the primary fails its health checks, without any API call', async () => {
    // Arrange
    const s = scalingWorld();
    await s.world.clock.runFor(minutes(1));

    // Act: the primary region fails; checks every 10 s with threshold 3, then one TTL of resolver caches.
    s.world.region(PRIMARY).down = true;
    await s.world.clock.runFor(45_000);
    const detected = !s.world.route53.isHealthy(s.fleet.healthChecks.get(PRIMARY)!);
    const midway = share(s, STANDBY);
    await s.world.clock.runFor(60_000);

    // Assert
    expect(detected).toBe(true);
    expect(midway).toBeGreaterThan(0);
    expect(midway).toBeLessThan(1);
    expect(share(s, STANDBY)).toBe(1);
    expect(
      s.world.timeline.some(
        (e) => e.region === 'global' && e.kind === 'health-check' && e.detail.includes('Unhealthy'),
      ),
    ).toBe(true);
  });

  it('fails open to the weights when every record is unhealthy', async () => {
    // Arrange
    const s = scalingWorld();
    await setWeights(s, 192, 64);
    await s.world.clock.runFor(minutes(2));

    // Act
    for (const id of s.fleet.healthChecks.values()) s.world.route53.setHealthCheckOverride(id, false);
    await s.world.clock.runFor(minutes(3));

    // Assert
    expect(share(s, PRIMARY)).toBeCloseTo(0.75, 5);
    expect(share(s, STANDBY)).toBeCloseTo(0.25, 5);
  });

  it('treats a disabled health check as healthy and an inverted one as the opposite', async () => {
    // Arrange
    const s = scalingWorld();
    const id = s.fleet.healthChecks.get(PRIMARY)!;
    s.world.route53.setHealthCheckOverride(id, false);
    await s.world.clock.runFor(minutes(1));
    const failing = s.world.route53.isHealthy(id);

    // Act
    const { HealthCheck } = await s.call<{ HealthCheck: { HealthCheckVersion: number } }>(r53, 'UpdateHealthCheck', {
      HealthCheckId: id,
      Disabled: true,
    });
    const disabled = s.world.route53.isHealthy(id);
    await s.call(r53, 'UpdateHealthCheck', { HealthCheckId: id, Disabled: false, Inverted: true });
    const inverted = s.world.route53.isHealthy(id);

    // Assert
    expect([failing, disabled, inverted]).toEqual([false, true, true]);
    expect(HealthCheck.HealthCheckVersion).toBe(2);
    const { HealthCheckObservations } = await s.call<{
      HealthCheckObservations: Array<{ Region: string; StatusReport: { Status: string } }>;
    }>(r53, 'GetHealthCheckStatus', { HealthCheckId: id });
    expect(HealthCheckObservations.length).toBeGreaterThan(1);
    expect(HealthCheckObservations[0]?.StatusReport.Status).toMatch(/^Failure/);
  });

  it('keeps answering DNS and running health checks while the control plane is impaired', async () => {
    // Arrange
    const s = scalingWorld();
    s.world.route53.impairControlPlane();

    // Act
    const change = setWeights(s, 0, 255);
    s.world.region(PRIMARY).down = true;
    await s.world.clock.runFor(minutes(3));

    // Assert
    await expect(change).rejects.toMatchObject({ status: 503 });
    await expect(s.call(r53, 'ListHostedZones', {})).resolves.toBeDefined();
    expect(share(s, STANDBY)).toBe(1);
  });

  it('pages ListResourceRecordSets by name, type and identifier', async () => {
    // Arrange
    const s = scalingWorld();

    // Act
    const seen: string[] = [];
    let next: { StartRecordName?: string; StartRecordType?: string; StartRecordIdentifier?: string } = {};
    for (;;) {
      const page = await s.call<{
        ResourceRecordSets: Array<{ Name: string; Type: string; SetIdentifier?: string }>;
        IsTruncated: boolean;
        NextRecordName?: string;
        NextRecordType?: string;
        NextRecordIdentifier?: string;
      }>(r53, 'ListResourceRecordSets', { HostedZoneId: ZONE, MaxItems: 1, ...next });
      seen.push(...page.ResourceRecordSets.map((rs) => `${rs.Name} ${rs.Type} ${rs.SetIdentifier ?? ''}`.trim()));
      if (!page.IsTruncated) break;
      next = {
        StartRecordName: page.NextRecordName,
        StartRecordType: page.NextRecordType,
        StartRecordIdentifier: page.NextRecordIdentifier,
      };
    }

    // Assert
    expect(seen).toEqual([
      'example.com. NS',
      'example.com. SOA',
      `api.example.com. CNAME ${PRIMARY}`,
      `api.example.com. CNAME ${STANDBY}`,
    ]);
  });

  it('pages ListHostedZones with Marker and answers NoSuchHostedZone for an unknown zone', async () => {
    // Arrange
    const s = scalingWorld();
    s.world.route53.createHostedZone({ id: 'Z1OTHER', name: 'other.example.org' });

    // Act
    const first = await s.call<{
      HostedZones: Array<{ Id: string; Name: string }>;
      IsTruncated: boolean;
      NextMarker?: string;
    }>(r53, 'ListHostedZones', { MaxItems: 1 });
    const second = await s.call<{ HostedZones: Array<{ Id: string }>; IsTruncated: boolean }>(r53, 'ListHostedZones', {
      MaxItems: 1,
      Marker: first.NextMarker,
    });

    // Assert
    expect(first.IsTruncated).toBe(true);
    expect([...first.HostedZones, ...second.HostedZones].map((z) => z.Id).sort()).toEqual([
      '/hostedzone/Z0TESTZONE',
      '/hostedzone/Z1OTHER',
    ]);
    expect(second.IsTruncated).toBe(false);
    await expect(s.call(r53, 'GetHostedZone', { Id: '/hostedzone/ZNOPE' })).rejects.toMatchObject({
      code: 'NoSuchHostedZone',
      status: 404,
    });
  });
});
