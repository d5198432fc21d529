import { en } from 'zod/locales';
import * as z from 'zod/mini';

/**
 * zod for the schemas the handlers parse with at run time (events, workflow states, environment): `zod/mini`,
 * zod 4's functional API, which esbuild tree-shakes to the schemas and checks a bundle uses. Classic zod's
 * methods tie its whole API to every schema: it was ~95 KiB of each handler bundle (README, "Bundles and cold
 * start"). The synth-time configuration schemas (config/schema.ts and each capability's config-schema.ts) stay on
 * classic zod.
 *
 * `zod/mini` loads no messages of its own (classic sets English on its first schema), and the problems the
 * handlers report quote them (`deadlineMinutes: Invalid input: expected number, received string`): English is
 * set here, once, for every module that imports z from this one.
 */
z.config(en());

export * from 'zod/mini';
