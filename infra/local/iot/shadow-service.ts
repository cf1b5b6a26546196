/**
 * AWS IoT Device Shadow semantics, in memory and free of I/O, so that the HTTP endpoint and the
 * MQTT bridge are thin adapters over one source of truth. Each operation answers the response
 * document and the MQTT messages AWS would publish because of it; the adapters only deliver them.
 *
 * Sources: AWS IoT developer guide, "Device Shadow service documents", "Device Shadow MQTT topics",
 * "Device Shadow REST API", "Interacting with shadows", "Device Shadow error messages".
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export type JsonObject = { [key: string]: JsonValue };

export interface ShadowRef {
  thingName: string;
  /** Absent for the classic (unnamed) shadow. */
  shadowName?: string;
}

export interface ShadowMessage {
  topic: string;
  payload: JsonObject;
}

export type ShadowOutcome =
  | { ok: true; document: JsonObject; messages: ShadowMessage[] }
  | { ok: false; error: ShadowError };

export type ShadowErrorType =
  | 'InvalidRequestException'
  | 'ResourceNotFoundException'
  | 'ConflictException'
  | 'RequestEntityTooLargeException';

const errorTypeByCode: Record<number, ShadowErrorType> = {
  400: 'InvalidRequestException',
  404: 'ResourceNotFoundException',
  409: 'ConflictException',
  413: 'RequestEntityTooLargeException',
};

export class ShadowError extends Error {
  readonly errorType: ShadowErrorType;

  constructor(
    readonly code: 400 | 404 | 409 | 413,
    message: string,
    readonly timestamp: number,
    readonly clientToken?: string,
  ) {
    super(message);
    this.name = 'ShadowError';
    this.errorType = errorTypeByCode[code] ?? 'InvalidRequestException';
  }

  /** The "error response document" of the guide, sent on `…/rejected` and as the HTTP error body. */
  toDocument(): JsonObject {
    return {
      code: this.code,
      message: this.message,
      timestamp: this.timestamp,
      ...(this.clientToken === undefined ? {} : { clientToken: this.clientToken }),
    };
  }
}

/** Only desired and reported count, metadata does not ("Diagnosing problems with shadows"). */
export const MAX_STATE_BYTES = 8 * 1024;
export const MAX_DEPTH = 6;
const MAX_CLIENT_TOKEN_BYTES = 64;

export interface StoredShadow {
  state: { desired?: JsonObject; reported?: JsonObject };
  metadata: { desired?: JsonObject; reported?: JsonObject };
  version: number;
  /** A deleted shadow keeps its version so that a re-created one continues from it, as in AWS. */
  deleted: boolean;
}

export function shadowTopicPrefix({ thingName, shadowName }: ShadowRef): string {
  return shadowName === undefined
    ? `$aws/things/${thingName}/shadow`
    : `$aws/things/${thingName}/shadow/name/${shadowName}`;
}

export type ShadowOperation = 'update' | 'get' | 'delete';

const requestTopic = /^\$aws\/things\/([^/]+)\/shadow(?:\/name\/([^/]+))?\/(update|get|delete)$/;

/** Recognises the three request topics a client publishes to; every other topic is not ours. */
export function parseShadowRequestTopic(topic: string): { ref: ShadowRef; operation: ShadowOperation } | undefined {
  const match = requestTopic.exec(topic);
  if (!match) return undefined;
  const [, thingName, shadowName, operation] = match;
  if (thingName === undefined || operation === undefined) return undefined;
  return {
    ref: shadowName === undefined ? { thingName } : { thingName, shadowName },
    operation: operation as ShadowOperation,
  };
}

export interface ShadowServiceOptions {
  /** Epoch seconds; AWS timestamps in shadow documents are whole seconds. */
  now?: () => number;
  /** Shadows kept from an earlier run (`snapshot()`), so versions go on from where they were, as in AWS. */
  initial?: readonly ShadowSnapshotEntry[];
  /** Told after every change, e.g. to keep a snapshot. */
  changed?: () => void;
}

export type ShadowSnapshotEntry = readonly [key: string, shadow: StoredShadow];

export class ShadowService {
  private readonly shadows = new Map<string, StoredShadow>();
  private readonly now: () => number;
  private readonly changed: () => void;

  constructor(options: ShadowServiceOptions = {}) {
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.changed = options.changed ?? (() => undefined);
    for (const [name, shadow] of options.initial ?? []) this.shadows.set(name, shadow);
  }

  /** Every shadow as it is now, deleted ones included (they keep their version). */
  snapshot(): ShadowSnapshotEntry[] {
    return [...this.shadows.entries()];
  }

  update(ref: ShadowRef, payload: string | Uint8Array): ShadowOutcome {
    const timestamp = this.now();
    let request: JsonObject;
    try {
      request = parseRequest(payload, timestamp);
    } catch (error) {
      if (error instanceof ShadowError) return { ok: false, error };
      throw error;
    }
    const clientToken = request.clientToken as string | undefined;
    const reject = (code: 400 | 409 | 413, message: string): ShadowOutcome => ({
      ok: false,
      error: new ShadowError(code, message, timestamp, clientToken),
    });

    const stored = this.shadows.get(key(ref));
    const live = stored && !stored.deleted ? stored : undefined;
    const currentVersion = stored?.version ?? 0;
    if (request.version !== undefined && request.version !== currentVersion) return reject(409, 'Version conflict');

    const previous: StoredShadow = live
      ? structuredClone(live)
      : { state: {}, metadata: {}, version: currentVersion, deleted: false };
    const next = structuredClone(previous);
    const requestState = request.state as JsonObject | null;
    const acceptedMetadata: JsonObject = {};
    for (const section of ['desired', 'reported'] as const) {
      const patch = requestState === null ? null : requestState[section];
      if (patch === undefined) continue;
      acceptedMetadata[section] = metadataOf(patch, timestamp);
      const merged = patch === null ? undefined : mergeState(next.state[section] ?? {}, patch as JsonObject);
      const stampedMetadata =
        merged === undefined
          ? undefined
          : stampMetadata(next.metadata[section], previous.state[section], patch as JsonObject, merged, timestamp);
      setSection(next.state, section, merged && Object.keys(merged).length > 0 ? merged : undefined);
      setSection(next.metadata, section, next.state[section] ? stampedMetadata : undefined);
    }
    if (stateBytes(next.state) > MAX_STATE_BYTES) return reject(413, 'The payload exceeds the maximum size allowed');

    next.version = currentVersion + 1;
    this.shadows.set(key(ref), next);
    this.changed();

    const token: JsonObject = clientToken === undefined ? {} : { clientToken };
    const accepted: JsonObject = {
      state: requestState === null ? {} : pick(requestState, ['desired', 'reported']),
      metadata: acceptedMetadata,
      version: next.version,
      timestamp,
      ...token,
    };
    const prefix = shadowTopicPrefix(ref);
    const messages: ShadowMessage[] = [{ topic: `${prefix}/update/accepted`, payload: accepted }];
    const delta = deltaOf(next.state.desired, next.state.reported);
    if (delta !== undefined) {
      messages.push({
        topic: `${prefix}/update/delta`,
        payload: {
          state: delta,
          metadata: deltaMetadataOf(delta, next.metadata.desired ?? {}),
          version: next.version,
          timestamp,
          ...token,
        },
      });
    }
    // AWS's own local implementation (Greengrass shadow manager) omits `previous` for a new shadow.
    const previousDocument: JsonObject = live ? { previous: snapshot(previous) } : {};
    messages.push({
      topic: `${prefix}/update/documents`,
      payload: {
        ...previousDocument,
        current: snapshot(next),
        timestamp,
        ...token,
      },
    });
    return { ok: true, document: accepted, messages };
  }

  get(ref: ShadowRef, clientToken?: string): ShadowOutcome {
    const timestamp = this.now();
    const stored = this.shadows.get(key(ref));
    if (!stored || stored.deleted) return { ok: false, error: notFound(ref, timestamp, clientToken) };
    const delta = deltaOf(stored.state.desired, stored.state.reported);
    const document: JsonObject = {
      state: { ...cloneSections(stored.state), ...(delta === undefined ? {} : { delta }) },
      metadata: cloneSections(stored.metadata),
      version: stored.version,
      timestamp,
      ...(clientToken === undefined ? {} : { clientToken }),
    };
    return { ok: true, document, messages: [] };
  }

  delete(ref: ShadowRef, clientToken?: string): ShadowOutcome {
    const timestamp = this.now();
    const stored = this.shadows.get(key(ref));
    if (!stored || stored.deleted) return { ok: false, error: notFound(ref, timestamp, clientToken) };
    this.shadows.set(key(ref), { state: {}, metadata: {}, version: stored.version, deleted: true });
    this.changed();
    const document: JsonObject = {
      version: stored.version,
      timestamp,
      ...(clientToken === undefined ? {} : { clientToken }),
    };
    return { ok: true, document, messages: [{ topic: `${shadowTopicPrefix(ref)}/delete/accepted`, payload: document }] };
  }

  /** The classic shadow is not listed, as in AWS. Tokens are opaque offsets into the sorted names. */
  listNamedShadows(thingName: string, options: { pageSize?: number; nextToken?: string } = {}): JsonObject {
    const names = [...this.shadows.entries()]
      .filter(([, shadow]) => !shadow.deleted)
      .map(([shadowKey]) => parseKey(shadowKey))
      .filter((ref) => ref.thingName === thingName && ref.shadowName !== undefined)
      .map((ref) => ref.shadowName as string)
      .sort();
    const start = options.nextToken === undefined ? 0 : Number(Buffer.from(options.nextToken, 'base64url').toString());
    const end = options.pageSize === undefined ? names.length : start + options.pageSize;
    return {
      results: names.slice(start, end),
      ...(end < names.length ? { nextToken: Buffer.from(String(end)).toString('base64url') } : {}),
      timestamp: this.now(),
    };
  }
}

function key({ thingName, shadowName }: ShadowRef): string {
  return JSON.stringify([thingName, shadowName ?? null]);
}

function parseKey(shadowKey: string): ShadowRef {
  const [thingName, shadowName] = JSON.parse(shadowKey) as [string, string | null];
  return shadowName === null ? { thingName } : { thingName, shadowName };
}

function notFound(ref: ShadowRef, timestamp: number, clientToken?: string): ShadowError {
  // AWS names a named shadow "thing~shadow" in this message.
  const name = ref.shadowName === undefined ? ref.thingName : `${ref.thingName}~${ref.shadowName}`;
  return new ShadowError(404, `No shadow exists with name: '${name}'`, timestamp, clientToken);
}

function parseRequest(payload: string | Uint8Array, timestamp: number): JsonObject {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ShadowError(400, 'Invalid JSON', timestamp);
  }
  if (!isObject(parsed)) throw new ShadowError(400, 'Missing required node: state', timestamp);
  const request = parsed as JsonObject;
  const { clientToken } = request;
  if (clientToken !== undefined && (typeof clientToken !== 'string' || Buffer.byteLength(clientToken) > MAX_CLIENT_TOKEN_BYTES)) {
    throw new ShadowError(400, 'Invalid clientToken', timestamp);
  }
  const fail = (message: string) => new ShadowError(400, message, timestamp, clientToken);
  if (!('state' in request)) throw fail('Missing required node: state');
  const { state, version } = request;
  if (version !== undefined && !(typeof version === 'number' && Number.isInteger(version) && version >= 0)) {
    throw fail('Invalid version');
  }
  // "Setting the device's shadow state to null does not delete the shadow": it empties it.
  if (state === null) return request;
  if (!isObject(state)) throw fail('State node must be an object');
  for (const [section, value] of Object.entries(state)) {
    if (section !== 'desired' && section !== 'reported') throw fail('State contains an invalid node');
    if (value !== null && !isObject(value)) {
      throw fail(section === 'desired' ? 'Desired node must be an object' : 'Reported node must be an object');
    }
    if (value !== null && depthOf(value) > MAX_DEPTH) throw fail(`JSON contains too many levels of nesting; maximum is ${MAX_DEPTH}`);
    if (value !== null && hasNullInArray(value)) throw fail('State contains an invalid node');
  }
  return request;
}

/** Levels of nesting below the section: `{"a": 1}` is one level. */
function depthOf(value: JsonValue): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map((item) => (isObject(item) || Array.isArray(item) ? depthOf(item) : 0)));
  if (isObject(value)) {
    return 1 + Math.max(0, ...Object.values(value).map((item) => (isObject(item) || Array.isArray(item) ? depthOf(item) : 0)));
  }
  return 0;
}

/** "Arrays can't have null values." */
function hasNullInArray(value: JsonValue): boolean {
  if (Array.isArray(value)) return value.some((item) => item === null || hasNullInArray(item));
  if (isObject(value)) return Object.values(value).some(hasNullInArray);
  return false;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge where a null leaf deletes the key and arrays replace whole (they are values). */
function mergeState(target: JsonObject, patch: JsonObject): JsonObject {
  const result: JsonObject = { ...target };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[name];
    } else if (isObject(value)) {
      const existing = result[name];
      result[name] = mergeState(isObject(existing) ? existing : {}, value);
    } else {
      result[name] = structuredClone(value);
    }
  }
  return result;
}

/** Metadata mirrors the value: `{timestamp}` per leaf, per array element, recursing into objects. */
function metadataOf(value: JsonValue, timestamp: number): JsonValue {
  if (Array.isArray(value)) return value.map((item) => metadataOf(item, timestamp));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, metadataOf(item, timestamp)]));
  return { timestamp };
}

/**
 * Stamps only the leaves the patch touched, keeps the others' older timestamps, and drops the
 * metadata of deleted keys. The old state tells whether old metadata for a key was nested.
 */
function stampMetadata(
  metadata: JsonObject | undefined,
  oldState: JsonObject | undefined,
  patch: JsonObject,
  newState: JsonObject,
  timestamp: number,
): JsonObject {
  const result: JsonObject = { ...(metadata ?? {}) };
  for (const [name, value] of Object.entries(patch)) {
    const stateValue = newState[name];
    if (stateValue === undefined) {
      delete result[name];
    } else if (isObject(value) && isObject(stateValue)) {
      const wasObject = isObject(oldState?.[name]);
      const oldMetadata = result[name];
      result[name] = stampMetadata(
        wasObject && isObject(oldMetadata) ? oldMetadata : undefined,
        wasObject ? (oldState?.[name] as JsonObject) : undefined,
        value,
        stateValue,
        timestamp,
      );
    } else {
      result[name] = metadataOf(value, timestamp);
    }
  }
  return result;
}

/** Fields of desired missing from or different in reported; nested objects keep their path. */
function deltaOf(desired: JsonObject | undefined, reported: JsonObject | undefined): JsonObject | undefined {
  if (desired === undefined) return undefined;
  const delta: JsonObject = {};
  for (const [name, wanted] of Object.entries(desired)) {
    const actual = reported?.[name];
    if (isObject(wanted) && isObject(actual)) {
      const nested = deltaOf(wanted, actual);
      if (nested !== undefined) delta[name] = nested;
    } else if (actual === undefined || !jsonEqual(wanted, actual)) {
      delta[name] = structuredClone(wanted);
    }
  }
  return Object.keys(delta).length > 0 ? delta : undefined;
}

/** "The delta contains metadata, and its values are equal to the metadata in the desired field." */
function deltaMetadataOf(delta: JsonObject, desiredMetadata: JsonObject): JsonObject {
  return Object.fromEntries(
    Object.entries(delta).map(([name, value]) => {
      const metadata = desiredMetadata[name] ?? null;
      return [name, isObject(value) && isObject(metadata) ? deltaMetadataOf(value, metadata) : metadata];
    }),
  );
}

function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, index) => jsonEqual(item, b[index] as JsonValue));
  if (isObject(a)) {
    if (!isObject(b) || Object.keys(a).length !== Object.keys(b).length) return false;
    return Object.entries(a).every(([name, item]) => name in b && jsonEqual(item, b[name] as JsonValue));
  }
  return a === b;
}

function stateBytes(state: StoredShadow['state']): number {
  return (['desired', 'reported'] as const).reduce(
    (total, section) => total + (state[section] ? Buffer.byteLength(JSON.stringify(state[section])) : 0),
    0,
  );
}

function setSection(target: { desired?: JsonObject; reported?: JsonObject }, section: 'desired' | 'reported', value: JsonObject | undefined): void {
  if (value === undefined) delete target[section];
  else target[section] = value;
}

function cloneSections(sections: { desired?: JsonObject; reported?: JsonObject }): JsonObject {
  return structuredClone(pick(sections as JsonObject, ['desired', 'reported']));
}

function snapshot(shadow: StoredShadow): JsonObject {
  return { state: cloneSections(shadow.state), metadata: cloneSections(shadow.metadata), version: shadow.version };
}

function pick(source: JsonObject, names: string[]): JsonObject {
  return Object.fromEntries(names.filter((name) => source[name] !== undefined).map((name) => [name, source[name] as JsonValue]));
}
