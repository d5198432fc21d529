import { AwsError } from '../core/aws-error.ts';
import type { AwsEvent } from '../core/kernel.ts';
import type { ServiceDefinition } from '../core/service.ts';
import type { EventBus } from './bus.ts';

/** EventBridge's PutEvents and ListRules (awsJson1_1) over the local bus. */
export function eventsService(bus: EventBus): ServiceDefinition {
  return {
    signingName: 'events',
    iamPrefix: 'events',
    protocol: 'awsJson1_1',
    targetPrefix: 'AWSEvents',
    operations: {
      PutEvents: {
        handler: (
          input: {
            Entries?: Array<{
              Source?: string;
              DetailType?: string;
              Detail?: string;
              Resources?: string[];
              EventBusName?: string;
              Time?: Date;
            }>;
          },
          ctx,
        ) => {
          const entries = input.Entries ?? [];
          if (entries.length < 1 || entries.length > 10) {
            throw new AwsError('ValidationException', 'Entries must contain between 1 and 10 entries');
          }
          let failed = 0;
          const results = entries.map((entry) => {
            const problem = !entry.Source
              ? 'Parameter Source is not valid.'
              : !entry.DetailType
                ? 'Parameter DetailType is not valid.'
                : !isJsonObject(entry.Detail)
                  ? 'Parameter Detail is not valid.'
                  : entry.EventBusName &&
                      !['default', `arn:aws:events:${ctx.region}:${ctx.kernel.accountId}:event-bus/default`].includes(
                        entry.EventBusName,
                      )
                    ? `Event bus ${entry.EventBusName} does not exist.`
                    : undefined;
            if (problem) {
              failed++;
              return { ErrorCode: 'InvalidArgument', ErrorMessage: problem };
            }
            const event: AwsEvent = ctx.kernel.emit(
              ctx.region,
              entry.Source!,
              entry.DetailType!,
              JSON.parse(entry.Detail!) as Record<string, unknown>,
              entry.Resources ?? [],
            );
            return { EventId: event.id };
          });
          return { FailedEntryCount: failed, Entries: results };
        },
        resources: (_input, ctx) => [`arn:aws:events:${ctx.region}:${ctx.kernel.accountId}:event-bus/default`],
      },
      ListRules: (input: { NamePrefix?: string }, ctx) => ({
        Rules: bus
          .listRules(ctx.region)
          .filter((r) => !input.NamePrefix || r.name.startsWith(input.NamePrefix))
          .map((r) => ({
            Name: r.name,
            Arn: r.arn,
            EventPattern: JSON.stringify(r.pattern),
            State: r.enabled ? 'ENABLED' : 'DISABLED',
            EventBusName: 'default',
          })),
      }),
    },
  };
}

function isJsonObject(text: string | undefined): boolean {
  if (!text) return false;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
