import { ECSServiceException } from '@aws-sdk/client-ecs';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { AwsTransient, InvalidInput, isTransientAwsError } from '#shared/errors.ts';
import { handlerChain } from '#shared/middleware.ts';

const serviceError = (name: string, status: number, fault: 'client' | 'server') =>
  new ECSServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status }, message: `${name} happened` });

const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;

describe('transient AWS errors', () => {
  it.each([
    ['a throttle', serviceError('ThrottlingException', 400, 'client')],
    ['a 5xx', serviceError('ServiceUnavailableException', 503, 'server')],
    ['a Route 53 zone still changing', serviceError('PriorRequestNotComplete', 400, 'client')],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
  ])('counts %s as worth retrying', (_what, error) => {
    expect(isTransientAwsError(error)).toBe(true);
  });

  it.each([
    ['a missing cluster', serviceError('ClusterNotFoundException', 400, 'client')],
    ['an access denial', serviceError('AccessDeniedException', 400, 'client')],
    ['Ballast’s own named error', new InvalidInput(['instanceId: bad'])],
  ])('does not retry %s', (_what, error) => {
    expect(isTransientAwsError(error)).toBe(false);
  });

  it('are rethrown by the handler chain as AwsTransient, naming the original error', async () => {
    const handler = handlerChain(async () => {
      throw serviceError('ServiceUnavailableException', 503, 'server');
    });
    const thrown = await handler({}, context).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(AwsTransient);
    expect((thrown as Error).name).toBe('AwsTransient');
    expect((thrown as Error).message).toContain('ServiceUnavailableException');
  });

  it('leave other errors as they are, so the state machine can branch on their names', async () => {
    const handler = handlerChain(async () => {
      throw new InvalidInput(['instanceId: must be an EC2 instance id']);
    });
    await expect(handler({}, context)).rejects.toMatchObject({ name: 'InvalidInput' });
  });
});
