import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * SDK middleware that fails chosen calls, placed inside the SDK's retry loop (deserialize step)
 * so the SDK's own retry behaviour is exercised as it would be against a real fault.
 * DynamoDB Local serialises writes and never raises these by itself.
 */
export function failCalls(
  client: DynamoDBClient,
  options: { command: string; times: number; error: () => Error; afterSending?: boolean },
): { readonly injected: () => number } {
  let injected = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== options.command || injected >= options.times) return next(args);
      injected += 1;
      // afterSending: the request reaches DynamoDB and commits, but its response is "lost".
      if (options.afterSending) await next(args);
      throw options.error();
    },
    { step: 'deserialize', name: 'faultInjection', priority: 'high' },
  );
  return { injected: () => injected };
}

export function awsError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`Injected ${name}`), { name, $fault: 'client', $metadata: {}, ...extra });
}
