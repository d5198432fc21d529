import { afterEach, describe, expect, it } from 'vitest';
import { ecs } from '#shared/clients/ecs.ts';
import { route53 } from '#shared/clients/route-53.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { clientsOf, makersKey } from '#shared/clients.ts';
import { MissingConfiguration } from '#shared/errors.ts';

const saved = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

describe('the SDK clients a handler loads', () => {
  it('makes one client per region, credential and endpoint, and reuses it', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDONE';
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:1';
    const east = ecs('us-east-1');
    expect(ecs('us-east-1')).toBe(east);
    expect(ecs('us-west-2')).not.toBe(east);
    expect(await ecs('us-west-2').config.region()).toBe('us-west-2');
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTWO'; // another function's role, in the local cloud's one process
    expect(ecs('us-east-1')).not.toBe(east);
  });

  it("puts Route 53 in us-east-1 whatever the caller's region", async () => {
    expect(await route53('eu-west-1').config.region()).toBe('us-east-1');
  });

  it('gives a core the loaded clients, and fails on first use of one the handler did not load, naming the module', () => {
    const clients = clientsOf({ ecs, sfn }, 'us-east-1');
    expect(clients.ecs).toBe(ecs('us-east-1'));
    expect(clients.sfn).toBe(sfn('us-east-1'));
    expect(() => clients.autoScaling).toThrow(MissingConfiguration);
    expect(() => clients.autoScaling).toThrow(
      "the autoScaling client is not loaded by this handler: import { autoScaling } from '#shared/clients/auto-scaling.ts'",
    );
    expect(Object.keys(clients).sort()).toEqual(['ecs', 'sfn']);
  });

  it('keys deps by the set of clients loaded, in any order', () => {
    expect(makersKey({ sfn, ecs })).toBe(makersKey({ ecs, sfn }));
    expect(makersKey({ ecs })).not.toBe(makersKey({ ecs, sfn }));
  });
});
