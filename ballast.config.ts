import type { BallastConfigInput } from '#config/schema.ts';

/**
 * The example fleet: a web product in two regions. us-east-1 serves, us-west-2 stands by warm.
 * `npx cdk synth` builds one stack per region from this object; `npm start` builds the simulated fleet
 * of the local cloud from it. Copy it, change the names, and deploy.
 */
const config: BallastConfigInput = {
  name: 'ballast',
  primaryRegion: 'us-east-1',
  standbyRegion: 'us-west-2',
  regions: {
    'us-east-1': {
      clusters: [{ name: 'web' }, { name: 'workers' }],
      autoScalingGroups: [
        { name: 'web-hosts', cluster: 'web', lifecycleHookName: 'ballast-drain', launchHookName: 'ballast-launch' },
        {
          name: 'worker-hosts',
          cluster: 'workers',
          lifecycleHookName: 'ballast-drain',
          drain: { deadlinePolicy: 'force', standaloneTasks: 'stop', standaloneGraceSeconds: 600 },
        },
      ],
      services: [
        {
          name: 'api',
          cluster: 'web',
          tier: 'critical',
          floor: 4,
          ceiling: 40,
          targetGroups: [{ name: 'api-tg', deregistrationDelaySeconds: 30 }],
        },
        {
          name: 'frontend',
          cluster: 'web',
          tier: 'standard',
          floor: 2,
          ceiling: 20,
          targetGroups: [{ name: 'frontend-tg', deregistrationDelaySeconds: 30 }],
        },
        { name: 'jobs', cluster: 'workers', tier: 'batch', floor: 1, ceiling: 10 },
      ],
    },
    'us-west-2': {
      clusters: [{ name: 'web' }, { name: 'workers' }],
      autoScalingGroups: [
        { name: 'web-hosts', cluster: 'web', lifecycleHookName: 'ballast-drain', launchHookName: 'ballast-launch' },
        {
          name: 'worker-hosts',
          cluster: 'workers',
          lifecycleHookName: 'ballast-drain',
          drain: { deadlinePolicy: 'force' },
        },
      ],
      services: [
        {
          name: 'api',
          cluster: 'web',
          tier: 'critical',
          floor: 2,
          ceiling: 40,
          targetGroups: [{ name: 'api-tg', deregistrationDelaySeconds: 30 }],
        },
        {
          name: 'frontend',
          cluster: 'web',
          tier: 'standard',
          floor: 1,
          ceiling: 20,
          targetGroups: [{ name: 'frontend-tg', deregistrationDelaySeconds: 30 }],
        },
        { name: 'jobs', cluster: 'workers', tier: 'batch', floor: 0, ceiling: 10 },
      ],
    },
  },
  dns: {
    hostedZoneId: 'Z0EXAMPLE0BALLAST',
    zoneName: 'example.com',
    ttl: 60,
    records: [
      { name: 'api.example.com', type: 'CNAME' },
      { name: 'www.example.com', type: 'CNAME' },
    ],
  },
  policies: {
    drain: { deadlinePolicy: 'continue', deadlineMinutes: 120, budgetHosts: 2, budgetPercent: 34 },
    emergencyScaling: {
      maxMultiplier: 1.5,
      historyHours: 24,
      expiresAfterHours: 12,
      // The detector acts on its own for the customer-facing tiers and only recommends for batch work
      // (the schema's default is 'recommend' everywhere: opt in per tier).
      detector: { everyMinutes: 2, modes: { critical: 'auto', standard: 'auto', batch: 'recommend' } },
      sampleEveryMinutes: 5,
    },
    failover: {
      mode: 'ladder',
      rungs: [1, 5, 25, 50, 100],
      rungHoldSeconds: 300,
      readinessIntervalMinutes: 60,
      cutBackErrorRate: 0.02,
      share: 100,
      loadBalancers: { 'us-east-1': ['app/web/0123456789abcdef'], 'us-west-2': ['app/web/fedcba9876543210'] },
    },
  },
};

export default config;
