import { writeFileSync } from 'node:fs';
import { drainHostInputJsonSchema } from './drain-host-input.ts';
import { emergencyScaleInputJsonSchema, restoreScalingInputJsonSchema } from './emergency-scale-input.ts';
import { failoverInputJsonSchema } from './failover-input.ts';

/**
 * Writes the committed JSON Schemas from the zod schemas: `npx tsx events/write-schemas.ts`.
 * test/unit/events/schemas.test.ts fails when a committed file differs from what this would write.
 */
export const SCHEMA_FILES: Record<string, () => Record<string, unknown>> = {
  'drain-host-input.schema.json': drainHostInputJsonSchema,
  'region-failover-input.schema.json': failoverInputJsonSchema,
  'emergency-scale-input.schema.json': emergencyScaleInputJsonSchema,
  'restore-scaling-input.schema.json': restoreScalingInputJsonSchema,
};

export function renderSchema(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [file, build] of Object.entries(SCHEMA_FILES)) {
    writeFileSync(new URL(`./schemas/${file}`, import.meta.url), renderSchema(build()));
  }
}
