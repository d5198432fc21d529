import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { parseConfig } from '#config/schema.ts';
import { parseScalingConfig, SCALING_CONFIG_SHAPE } from '#functions/emergency-scaling/config.ts';
import { ScalingConfig, scalingConfigFor } from '#functions/emergency-scaling/config-schema.ts';
import { DRAIN_CONFIG_SHAPE, parseDrainConfig } from '#functions/host-draining/config.ts';
import { DrainConfig, drainConfigFor } from '#functions/host-draining/config-schema.ts';
import { FAILOVER_CONFIG_SHAPE, parseFailoverConfig } from '#functions/region-failover/config.ts';
import { FailoverConfig, failoverConfigFor } from '#functions/region-failover/config-schema.ts';
import type { Shape } from '#shared/config-file.ts';
import { MissingConfiguration } from '#shared/errors.ts';
import example from '../../../ballast.config.ts';

/**
 * The handlers check their configuration document against a shape, not its zod schema (which validated it
 * at synth). These tests derive the shape each schema's output has and hold the handlers' shapes to it, and
 * check that a wrong document fails the cold start naming the variable and the field.
 */
function shapeOf(schema: z.core.$ZodType): Shape {
  const def = schema._zod.def as unknown as Record<string, any> & { type: string };
  switch (def.type) {
    case 'string':
    case 'enum':
      return 'string';
    case 'number':
    case 'boolean':
      return def.type;
    case 'literal':
      return typeof def.values[0] as 'string';
    case 'default':
    case 'prefault':
      return shapeOf(def.innerType); // applied at synth: the document always has the field
    case 'optional':
      return { optional: shapeOf(def.innerType) };
    case 'array':
      return { array: shapeOf(def.element) };
    case 'record':
      return { record: shapeOf(def.valueType) };
    case 'object':
      return {
        object: Object.fromEntries(
          Object.entries(def.shape as Record<string, z.core.$ZodType>).map(([k, v]) => [k, shapeOf(v)]),
        ),
      };
    default:
      throw new Error(`shapeOf: no shape for a zod '${def.type}' (add it here and to Shape)`);
  }
}

const config = parseConfig(example);
const region = config.primaryRegion;

const CASES = [
  {
    name: 'BALLAST_DRAIN_CONFIG',
    schema: DrainConfig,
    shape: DRAIN_CONFIG_SHAPE,
    built: drainConfigFor(config, region),
    parse: parseDrainConfig,
  },
  {
    name: 'BALLAST_SCALING_CONFIG',
    schema: ScalingConfig,
    shape: SCALING_CONFIG_SHAPE,
    built: scalingConfigFor(config, region),
    parse: parseScalingConfig,
  },
  {
    name: 'BALLAST_FAILOVER_CONFIG',
    schema: FailoverConfig,
    shape: FAILOVER_CONFIG_SHAPE,
    built: failoverConfigFor(config, region),
    parse: parseFailoverConfig,
  },
] as const;

function failure(parse: (json: string) => unknown, json: string): MissingConfiguration {
  try {
    parse(json);
  } catch (error) {
    if (error instanceof MissingConfiguration) return error;
    throw error;
  }
  throw new Error('expected the document to be rejected');
}

describe('the configuration documents the handlers read', () => {
  it.each(CASES)('$name: the handlers check exactly the shape its zod schema produces', ({ schema, shape }) => {
    expect(shape).toEqual(shapeOf(schema));
  });

  it.each(CASES)('$name: what synth builds is read back unchanged', ({ built, parse }) => {
    const json = JSON.stringify(built);
    expect(parse(json)).toEqual(JSON.parse(json));
  });

  it('names the variable and every wrong, missing or unknown field', () => {
    const drain = structuredClone(drainConfigFor(config, region)) as any;
    const group = Object.keys(drain.groups)[0]!;
    drain.groups[group].policy.deadlineMinutes = '60';
    delete drain.poll.wake;
    drain.clusters = ['web', 7];
    drain.budget = 3;
    const error = failure(parseDrainConfig, JSON.stringify(drain));
    expect(error.message).toMatch(/^BALLAST_DRAIN_CONFIG is invalid/);
    expect(error.message).toContain(`groups["${group}"].policy.deadlineMinutes: expected a number, got string "60"`);
    expect(error.message).toContain('poll.wake: expected true or false, got undefined');
    expect(error.message).toContain('clusters[1]: expected a string, got number 7');
    expect(error.message).toContain('budget: is not a field of this configuration');
  });

  it('accepts an optional field left out and rejects one of the wrong type', () => {
    const failover = structuredClone(failoverConfigFor(config, region)) as any;
    delete failover.dns;
    expect(() => parseFailoverConfig(JSON.stringify(failover))).not.toThrow();
    failover.policy.fenceRegion = 1;
    expect(failure(parseFailoverConfig, JSON.stringify(failover)).message).toContain(
      'policy.fenceRegion: expected a string, got number 1',
    );
  });

  it('says when the document is not JSON, or not an object', () => {
    expect(failure(parseScalingConfig, '{"region":').message).toMatch(/^BALLAST_SCALING_CONFIG is not JSON: /);
    expect(failure(parseScalingConfig, '[]').message).toContain('(document): expected an object, got an array');
  });
});
