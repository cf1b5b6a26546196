import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * What the fuzz suites share: a raw HTTP client (header names, duplicates and bytes exactly as
 * given, which `fetch` would refuse or normalise), the arbitraries requests are made of, and the
 * one rule every reply must keep.
 *
 * Runs are reproducible: every property uses `fuzzParameters`, a fixed seed unless FUZZ_SEED says
 * otherwise, and FUZZ_RUNS multiplies the number of runs for a longer search on demand.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20_261_122);
const runScale = Number(process.env.FUZZ_RUNS ?? 1);

export function fuzzParameters(numRuns: number): fc.Parameters<unknown> {
  return { seed, numRuns: Math.max(1, Math.round(numRuns * runScale)), verbose: 1 };
}

export interface RawRequest {
  readonly method: string;
  /** Path and query, already percent-encoded as they go on the request line. */
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: Buffer;
}

export interface RawReply {
  readonly status: number;
  readonly text: string;
}

/** Sends one request on its own connection and reads the whole reply. */
export function send(baseUrl: string, request: RawRequest): Promise<RawReply> {
  const url = new URL(baseUrl);
  const headers = [['Host', url.host] as const, ['Connection', 'close'] as const, ...request.headers];
  if (request.body !== undefined) headers.push(['Content-Length', String(request.body.length)]);
  return new Promise((resolve, reject) => {
    let replied = false;
    const outgoing = httpRequest({ host: url.hostname, port: url.port, method: request.method, path: request.target, headers: headers.flat(), timeout: 60_000 });
    outgoing.on('response', (response) => {
      replied = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`No reply to ${request.method} ${request.target} within 60 s`)));
    // A gateway that refuses a body (401, 413) may close the connection while the body is still
    // being written; once its reply is in, that is not a failure.
    outgoing.on('error', (error) => (replied ? undefined : reject(error)));
    outgoing.end(request.body);
  });
}

/** Traces, SDK and runtime names that must never reach a client, whatever it sent. */
const leaks = [
  /\n\s+at /,
  /\bat [\w$.<>]+ \(/,
  /node:internal/,
  /\.[cm]?[jt]s:\d+/,
  /Exception\b/,
  /ConditionalCheckFailed|TransactionCanceled|ResourceNotFound|ProvisionedThroughput/,
  /\$metadata|httpStatusCode|requestId":/,
  /provided key element|ExclusiveStartKey|expression attribute/i,
  /\b(TypeError|ReferenceError|RangeError|SyntaxError)\b/,
];

const errorShape = {
  error: expect.objectContaining({ code: expect.stringMatching(/^[A-Z][A-Z0-9_]*$/), message: expect.any(String) }),
};

/** The rule: below 500; an error has the error shape; nothing internal shows. */
export function expectSound(request: RawRequest, reply: RawReply): void {
  const where = `${request.method} ${request.target} → ${reply.status} ${reply.text.slice(0, 300)}`;
  expect(reply.status, where).toBeLessThan(500);
  expect(leaks.filter((pattern) => pattern.test(reply.text)).map(String), where).toEqual([]);
  if (reply.status >= 400) {
    let body: unknown;
    try {
      body = JSON.parse(reply.text);
    } catch {
      body = reply.text;
    }
    expect(body, where).toEqual(expect.objectContaining(errorShape));
  }
}

// Arbitraries

/** Names that are also members of every object, and a few headers that steer parsers. */
export const objectNames = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'prototype'];

/** Percent-encodes every byte of the UTF-8 form but unreserved characters, so any string can be a path segment or query part. */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

/** Text of every kind: unicode with lone surrogates and controls, blanks, `#`, huge, and names of Object.prototype. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(...objectNames),
  fc.constantFrom('', ' ', '\t', '\u3000', '#', 'a#b', 'carrier#1', '\u0000', 'x\u0000y', '\ud800', '\udc00x', '😀', '..', '.', '/', '%', '%00', 'null', 'undefined', 'NaN'),
  fc.constantFrom('a'.repeat(65), 'b'.repeat(129), 'c'.repeat(2049), 'é'.repeat(300)),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,70}$/),
);

/** A path segment as sent: usually encoded text, sometimes broken percent-encoding. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: hostileText.filter((text) => text !== '').map(percentEncode), weight: 6 },
  { arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%2F', '%2e%2e', '%00', '%FF%FE'), weight: 1 },
);

/** JSON numbers at and past the edges: huge, tiny, negative zero, unsafe integers. */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 53 + 1, -(2 ** 53) - 1, 1e308, -1e308, 5e-324, 40, 41, 60, 61, 720, 721, 99_999_999_999),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, biased to the kinds of values our schemas meet. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  edgeNumber,
  fc.constantFrom(null, true, false, [], {}, 'S', 'M', 'L', 'XL', '1234567800', '0000000000', '123456', 'FREE', 'OUT_OF_SERVICE'),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.oneof(fc.constantFrom(...objectNames), fc.string({ maxLength: 8 })), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }),
);

/** A JSON object's text with `__proto__` as an own key, which JSON.stringify of an object literal cannot produce. */
export function withProtoKey(body: Record<string, unknown>, value: unknown): string {
  const text = JSON.stringify(body);
  const inner = `"__proto__":${JSON.stringify(value)}`;
  return text === '{}' ? `{${inner}}` : `{${inner},${text.slice(1)}`;
}

/** One field of a valid body changed: replaced by any value, removed, or joined by an unknown or prototype-named field. */
export function mutated(valid: Record<string, unknown>): fc.Arbitrary<string> {
  const fields = Object.keys(valid);
  const replace = fc
    .tuple(fc.constantFrom(...fields), anyJson)
    .map(([field, value]) => JSON.stringify({ ...valid, [field]: value }));
  const remove = fc.constantFrom(...fields).map((field) => JSON.stringify(Object.fromEntries(Object.entries(valid).filter(([name]) => name !== field))));
  const extra = fc.tuple(fc.oneof(fc.constantFrom(...objectNames), fc.string({ maxLength: 12 })), anyJson).map(([field, value]) =>
    field === '__proto__' ? withProtoKey(valid, value) : JSON.stringify({ ...valid, [field]: value }),
  );
  const nested = fc.tuple(fc.constantFrom(...fields), fc.constantFrom(...objectNames), anyJson).map(([field, name, value]) =>
    JSON.stringify({ ...valid, [field]: name === '__proto__' ? JSON.parse(withProtoKey({}, value)) : { [name]: value } }),
  );
  return fc.oneof(replace, remove, extra, nested);
}

/** Bodies that are not what any route takes: random JSON, deep nesting, bytes that are not UTF-8, base64, sizes at the limits. */
export const strangeBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
  fc.integer({ min: 1, max: 6_000 }).map((depth) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
  fc.integer({ min: 1, max: 3_000 }).map((depth) => Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), Buffer.from('{"a":"\\ud800"}')),
  fc.jsonValue({ maxDepth: 2 }).map((value) => Buffer.from(Buffer.from(JSON.stringify(value) ?? 'null').toString('base64'))),
  fc.constantFrom(16 * 1024 - 20, 16 * 1024 + 1, 64 * 1024 + 1, 200 * 1024).map((size) => Buffer.from(JSON.stringify({ pad: 'x'.repeat(size) }))),
  fc.constantFrom(Buffer.alloc(0), Buffer.from('null'), Buffer.from('"'), Buffer.from('{'), Buffer.from('{"a":1,}'), Buffer.from('1e999999')),
);

const headerNameChars = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,40}$/;

/**
 * Any text as a header value reaches a server: its UTF-8 bytes read as Latin-1, without the
 * control characters HTTP cannot carry in a value (a client cannot send them at all).
 */
export function asHeaderValue(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing them is the point
  return Buffer.from(text, 'utf8').toString('latin1').replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');
}

/**
 * A header as a client may send it: any token as its name (prototype names included), a value of
 * visible ASCII, UTF-8 bytes read as Latin-1 (what reaches a server from a non-ASCII value), or long.
 * Names that frame the request (Host, Content-Length, Transfer-Encoding, Connection) are the
 * client's own: a wrong one is a broken request, answered by Node's HTTP parser before the gateway.
 */
export const anyHeader: fc.Arbitrary<readonly [string, string]> = fc.tuple(
  fc
    .oneof(
      fc.constantFrom(...objectNames, 'Idempotency-Key', 'idempotency-key', 'Content-Type', 'Authorization', 'X-Forwarded-For', 'Origin', 'Accept', 'Cookie'),
      fc.stringMatching(headerNameChars),
    )
    .filter((name) => !/^(host|content-length|transfer-encoding|connection|expect|upgrade)$/i.test(name)),
  fc.oneof(
    fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,60}$/),
    hostileText.map(asHeaderValue),
    fc.constantFrom('#', 'key#12345678', 'abcdefgh', 'x'.repeat(3000), '', '\t', 'application/json', 'text/plain', 'null'),
  ),
);

/** Query parameters: known names, prototype names and random ones, with values of any kind; sometimes broken encoding. */
export function anyQuery(extraValues: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const name = fc.oneof(fc.constantFrom('limit', 'cursor', 'locationId', ...objectNames), hostileText);
  const value = fc.oneof(hostileText, extraValues, edgeNumber.map(String), fc.constantFrom('0', '1', '100', '101', '-1', '1e2', '0x10', ' 5', '5 '));
  const pairs = fc.array(fc.tuple(name, value), { maxLength: 4 }).map((list) => list.map(([n, v]) => `${percentEncode(n)}=${percentEncode(v)}`).join('&'));
  return fc.oneof({ arbitrary: pairs, weight: 8 }, { arbitrary: fc.constantFrom('%E0%A4%A', 'a=%', '=&=', '&&&', 'limit', '__proto__[x]=1', 'cursor=%00'), weight: 1 });
}
