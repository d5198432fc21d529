import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Kernel } from '#local/core/kernel.ts';
import { type DeployedFunction, LambdaRuntime } from '#local/runtime/lambda-runtime.ts';

/**
 * Lambda versions in the local runtime (issue 10, defect 8): a published version runs the code and
 * environment the function had when it was published, whatever is deployed after; a version that does not
 * exist is not found, as Invoke answers (ResourceNotFoundException).
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:release-fixture';
const clock = { now: () => 0, elapsedSeconds: () => 0 } as unknown as Kernel;
const deployed = (release: string): DeployedFunction => ({
  name: 'release-fixture',
  arn: ARN,
  region: 'us-east-1',
  entry: 'test/fixtures/handlers/release.ts',
  handlerExport: 'handler',
  environment: { RELEASE: release },
  accessKeyId: 'AKIARELEASETEST00001',
  timeoutSeconds: 30,
});
const runtime = () => new LambdaRuntime(clock, { projectRoot: ROOT, endpoint: { url: 'http://127.0.0.1:1' } });

describe('Lambda versions in the local runtime', () => {
  it('runs each published version with the code and environment it had when published', async () => {
    const lambdas = runtime();
    lambdas.register(deployed('first'));
    expect(lambdas.publishVersion(ARN)).toBe(1);
    lambdas.register(deployed('second'));

    expect(await lambdas.invoke(`${ARN}:1`, {})).toEqual({ release: 'first', version: '1', invoked: `${ARN}:1` });
    expect(await lambdas.invoke(ARN, {})).toEqual({ release: 'second', version: '$LATEST', invoked: ARN });
    expect(await lambdas.invoke('release-fixture:1', {})).toMatchObject({ release: 'first' });
    expect(await lambdas.invoke(ARN, {}, { qualifier: '1' })).toMatchObject({ release: 'first', version: '1' });
    expect(lambdas.publishVersion(ARN)).toBe(2);
    expect(await lambdas.invoke(ARN, {}, { qualifier: '2' })).toMatchObject({ release: 'second', version: '2' });
    expect(lambdas.invocations.map((i) => i.version)).toEqual(['1', '$LATEST', '1', '1', '2']);
  });

  it('publishes no new version when nothing changed since the last one', () => {
    const lambdas = runtime();
    lambdas.register(deployed('first'));
    expect(lambdas.publishVersion(ARN)).toBe(1);
    lambdas.register(deployed('first'));
    expect(lambdas.publishVersion(ARN)).toBe(1);
    expect(lambdas.versionsOf(ARN)).toEqual([1]);
  });

  it('answers ResourceNotFoundException for a version never published, deleted, or a qualifier that disagrees', async () => {
    const lambdas = runtime();
    lambdas.register(deployed('first'));
    lambdas.publishVersion(ARN);
    lambdas.register(deployed('second'));
    lambdas.publishVersion(ARN);
    await expect(lambdas.invoke(`${ARN}:3`, {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(lambdas.invoke(`${ARN}:live`, {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(lambdas.invoke(`${ARN}:1`, {}, { qualifier: '2' })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    lambdas.deleteVersion(ARN, 1);
    await expect(lambdas.invoke(`${ARN}:1`, {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await lambdas.invoke(`${ARN}:2`, {})).toMatchObject({ release: 'second' });
    // Numbers are not used again.
    lambdas.register(deployed('third'));
    expect(lambdas.publishVersion(ARN)).toBe(3);
    expect(lambdas.versionsOf(ARN)).toEqual([2, 3]);
  });
});
