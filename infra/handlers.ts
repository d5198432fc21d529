/**
 * Every Lambda handler Ballast deploys, by entry file. The SDK layer is built from these bundles' imports
 * (infra/function-factory.ts), so synth fails a function whose bundle imports from the SDK what these do not, and
 * `test/infra/synth.test.ts` checks that the synthesized template has exactly these functions. Every
 * per-bundle check (`test/infra/bundle-clients.test.ts`) and the cold-start bench cover each of them.
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
