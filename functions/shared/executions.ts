import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

/**
 * Starts an execution under a name that makes it once: a retried step or a duplicate event that starts
 * the same name again finds it there (`ExecutionAlreadyExists`) and starts nothing. Returns whether this
 * call started it.
 */
export async function startExecutionOnce(
  sfn: Pick<SFNClient, 'send'>,
  execution: { readonly stateMachineArn: string; readonly name: string; readonly input: unknown },
): Promise<boolean> {
  try {
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        input: JSON.stringify(execution.input),
      }),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ExecutionAlreadyExists') throw error;
    return false;
  }
}
