import { ulid } from 'ulid';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import type { TokenRequest } from '#infra/local/auth';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '#infra/local/stack';

/** What the end-to-end suites share: HTTP calls against a local stack, ids, tokens and polling. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

export interface CallOptions {
  readonly token?: string;
  /** Serialised as JSON. */
  readonly json?: unknown;
  /** Sent as is, for bodies that are not valid JSON. */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
}

/**
 * One local stack for a test file: from sources under `e2e`, from the synthesized bundles under
 * `e2e-assembly` (its global setup provides the assembly), sharing the suite's DynamoDB Local.
 * `settings` are the few a file may change for every function of its stack.
 */
export function stackForFile(settings: Pick<LocalStackOptions, 'kioskAttemptsPerWindow'> = {}): () => LocalStack {
  let stack: LocalStack | undefined;
  beforeAll(async () => {
    const assemblyDirectory = inject('assemblyDirectory');
    stack = await startLocalStack({
      ...settings,
      // Doors move faster than a person (the defaults: 200 ms to open, 1 s to close): the suite waits on
      // hundreds of door cycles, and every state between them is still reported and reconciled.
      simulatedLockers: { pollIntervalMs: 100, openAfterMs: 50, closeAfterMs: 250 },
      port: 0,
      dynamoEndpoint: inject('dynamoEndpoint'),
      ...(assemblyDirectory === undefined ? {} : { mode: 'assembly', assemblyDirectory }),
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return () => {
    if (stack === undefined) throw new Error('The local stack is not started: call stackForFile() at the top of the file');
    return stack;
  };
}

export function client(stack: () => LocalStack) {
  async function call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
    const body = options.raw ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
    if (body !== undefined) headers['Content-Type'] ??= 'application/json';
    const response = await fetch(`${stack().url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // Kept as text: the assertion shows what came back.
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }

  const token = (role: TokenRequest['role'], extra: Partial<TokenRequest> = {}) => stack().issueToken({ sub: id(role), role, ...extra });

  /**
   * Asks until `check` holds: doors move on their own time (a simulated door opens 200 ms after
   * unlocking and closes 1 s later), so tests wait for the state, never for a fixed delay.
   */
  async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 8_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let value = await read();
    while (!check(value) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      value = await read();
    }
    return value;
  }

  return { call, token, eventually };
}

export const id = (prefix: string) => `${prefix}-${ulid().toLowerCase()}`;

export function errorBody(code: string) {
  return { error: { code, message: expect.any(String) } };
}
