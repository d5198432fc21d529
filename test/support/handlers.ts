/**
 * Every Lambda handler Ballast deploys, by entry file. `test/infra/synth.test.ts` checks that the synthesized
 * template has exactly these functions, so a new handler must be added here, and from here every per-bundle
 * check (`test/infra/bundle-clients.test.ts`) covers it too.
 */
export const HANDLER_ENTRIES: readonly string[] = [
  'functions/emergency-scaling/detect.ts',
  'functions/emergency-scaling/raise.ts',
  'functions/emergency-scaling/restore.ts',
  'functions/emergency-scaling/sample.ts',
  'functions/emergency-scaling/validate.ts',
  'functions/host-draining/drain.ts',
  'functions/host-draining/finish.ts',
  'functions/host-draining/reclaim.ts',
  'functions/host-draining/resolve.ts',
  'functions/host-draining/wake.ts',
  'functions/region-failover/steps.ts',
  'functions/region-failover/trigger.ts',
  'functions/region-failover/validate.ts',
];
