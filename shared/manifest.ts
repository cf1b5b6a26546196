import type * as z from 'zod/mini';
import type { Role } from '#shared/domain/actor';
import { idempotencyKey, listLocationsQuery, listParcelsQuery, pathParameters, requestBodies } from '#shared/http/schemas';

/**
 * The one manifest of functions: every Lambda is declared here once, with its trigger and its
 * needs. Everything else is derived from it:
 * - the CDK app (infra/constructs/functions.ts) creates one function per entry and, from `needs`,
 *   sets its environment and grants its permissions together;
 * - the runtime (shared/runtime.ts) builds only the ports a function's `needs` name, and the
 *   handler's TypeScript type only offers those, so a use case asking for more does not compile;
 * - the local stack serves the HTTP triggers and runs the schedules;
 * - docs/openapi.json is generated from the HTTP triggers and their zod schemas.
 * Entries point at `functions/<folder>/<name>.ts`, which exports `handler`.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type TableAccess = 'read' | 'readWrite';

/** What a function uses besides its code; each need is a port, its configuration and its IAM grant. */
export interface Needs {
  /** The service table, and how: drives the IAM actions. */
  readonly table?: TableAccess;
  /**
   * Hashes, seals or opens pickup codes, or pages through a listing (its cursors are sealed with a
   * key derived from the same secret): needs the service's pickup-code secret.
   */
  readonly pickupCodeSecret?: true;
  /**
   * Commands lockers' doors through their device shadows: the IoT Data Plane endpoint, the door
   * timings, and `iot:GetThingShadow`/`iot:UpdateThingShadow` on the lockers' things.
   */
  readonly doors?: true;
  /**
   * Tells people and systems (docs/architecture.md §7): SMS by SNS `Publish` to a phone number, email by SES
   * v2 from the stage's sender identity, and the `parcel-events` and operators' SNS topics.
   */
  readonly notifier?: true;
}

export interface RequestSchemas<Body = unknown, Params = unknown, Query = unknown> {
  readonly body?: z.ZodMiniType<Body>;
  readonly params?: z.ZodMiniType<Params>;
  readonly query?: z.ZodMiniType<Query>;
  /** Headers the function reads, lower-case, each optional. */
  readonly headers?: Readonly<Record<string, z.ZodMiniType<string>>>;
}

export interface HttpFunction<N extends Needs = Needs, Body = unknown, Params = unknown, Query = unknown> {
  readonly kind: 'http';
  /** File name under functions/http/ and the Lambda's logical name. */
  readonly name: string;
  readonly method: HttpMethod;
  /** API Gateway resource path, with `{param}` placeholders. */
  readonly path: string;
  /** One line for the API document. */
  readonly summary: string;
  /** Who may call it; `public` needs no token at all. */
  readonly roles: readonly Role[] | 'public';
  readonly request: RequestSchemas<Body, Params, Query>;
  /** Guessing routes get a tighter throttle and WAF rate rule. */
  readonly guessable?: boolean;
  readonly needs: N;
}

export interface ScheduledFunction<N extends Needs = Needs> {
  readonly kind: 'schedule';
  /** File name under functions/schedule/ and the Lambda's logical name. */
  readonly name: string;
  readonly everyMinutes: number;
  readonly needs: N;
}

/**
 * An AWS IoT topic rule that invokes the function. The rule's SQL is derived from this (and the
 * local IoT stand-in plays the same rule): `SELECT *, topic(n) AS field, … FROM '<topicFilter>'`,
 * so the function receives the message's JSON plus the named topic levels.
 */
export interface IotRule {
  readonly topicFilter: string;
  /** Topic levels (1-based, as the rules engine's `topic(n)`) copied into the payload under these names. */
  readonly topicFields: Readonly<Record<string, number>>;
  readonly description: string;
}

export interface IotFunction<N extends Needs = Needs> {
  readonly kind: 'iot';
  /** File name under functions/iot/ and the Lambda's logical name. */
  readonly name: string;
  readonly rule: IotRule;
  readonly needs: N;
}

/**
 * A Lambda event filter pattern made of exact values only: nested objects ending in the lists of
 * values a field may hold. Lambda's syntax has more (prefix, anything-but, numeric, `$or`); the
 * service needs none of it, so the manifest cannot declare it and the local trigger need not play it.
 */
export type StreamFilter = { readonly [key: string]: StreamFilter | readonly (string | number | boolean | null)[] };

/**
 * Invoked by the table's DynamoDB stream through an event source mapping. `filter` is the mapping's
 * filter pattern, so only matching records are delivered, and the local stream trigger applies the
 * same pattern.
 */
export interface StreamFunction<N extends Needs = Needs> {
  readonly kind: 'streams';
  /** File name under functions/streams/ and the Lambda's logical name. */
  readonly name: string;
  readonly description: string;
  readonly filter: StreamFilter;
  readonly batchSize: number;
  /** How long Lambda gathers records before invoking with fewer than `batchSize`. */
  readonly maxBatchingWindowSeconds: number;
  /** Retries of a failing batch (bisected) before its records go to the dead-letter queue. */
  readonly retryAttempts: number;
  readonly needs: N;
}

export type FunctionDefinition = HttpFunction | ScheduledFunction | IotFunction | StreamFunction;

function http<const N extends Needs, Body = undefined, Params = Record<string, never>, Query = Record<string, never>>(
  definition: Omit<HttpFunction<N, Body, Params, Query>, 'kind'>,
): HttpFunction<N, Body, Params, Query> {
  return { kind: 'http', ...definition };
}

function schedule<const N extends Needs>(definition: Omit<ScheduledFunction<N>, 'kind'>): ScheduledFunction<N> {
  return { kind: 'schedule', ...definition };
}

function iot<const N extends Needs>(definition: Omit<IotFunction<N>, 'kind'>): IotFunction<N> {
  return { kind: 'iot', ...definition };
}

function stream<const N extends Needs>(definition: Omit<StreamFunction<N>, 'kind'>): StreamFunction<N> {
  return { kind: 'streams', ...definition };
}

/** The rules engine's SQL for a rule, the one string deployed and the one the local stand-in reads back. */
export function ruleSql(rule: IotRule): string {
  const fields = Object.entries(rule.topicFields).map(([name, level]) => `, topic(${level}) AS ${name}`);
  return `SELECT *${fields.join('')} FROM '${rule.topicFilter}'`;
}

const anyone = ['admin', 'carrier', 'customer', 'kiosk'] as const;

export const manifest = {
  health: http({
    name: 'health',
    method: 'GET',
    path: '/health',
    summary: 'Liveness',
    roles: 'public',
    request: {},
    needs: {},
  }),
  'create-location': http({
    name: 'create-location',
    method: 'POST',
    path: '/locations',
    summary: 'Create a location',
    roles: ['admin'],
    request: { body: requestBodies['create-location'] },
    needs: { table: 'readWrite' },
  }),
  'list-locations': http({
    name: 'list-locations',
    method: 'GET',
    path: '/locations',
    summary: 'List locations with their free slots per size, a page at a time',
    roles: anyone,
    request: { query: listLocationsQuery },
    // Its cursors are sealed with a key derived from the service secret.
    needs: { table: 'read', pickupCodeSecret: true },
  }),
  'get-location': http({
    name: 'get-location',
    method: 'GET',
    path: '/locations/{locationId}',
    summary: 'Read a location; admins and carriers also see its lockers and slots',
    roles: anyone,
    request: { params: pathParameters.location },
    needs: { table: 'read' },
  }),
  'add-locker': http({
    name: 'add-locker',
    method: 'POST',
    path: '/locations/{locationId}/lockers',
    summary: 'Add a locker with its slots',
    roles: ['admin'],
    request: { params: pathParameters.location, body: requestBodies['add-locker'] },
    needs: { table: 'readWrite' },
  }),
  'remove-locker': http({
    name: 'remove-locker',
    method: 'DELETE',
    path: '/locations/{locationId}/lockers/{lockerId}',
    summary: 'Remove an empty locker',
    roles: ['admin'],
    request: { params: pathParameters.locker },
    needs: { table: 'readWrite' },
  }),
  'update-slot': http({
    name: 'update-slot',
    method: 'PATCH',
    path: '/locations/{locationId}/lockers/{lockerId}/slots/{slotId}',
    summary: 'Take a slot out of service or back',
    roles: ['admin'],
    request: { params: pathParameters.slot, body: requestBodies['update-slot'] },
    needs: { table: 'readWrite' },
  }),
  'open-slot': http({
    name: 'open-slot',
    method: 'POST',
    path: '/locations/{locationId}/lockers/{lockerId}/slots/{slotId}/open',
    summary: "Open a slot's door for maintenance",
    roles: ['admin'],
    request: { params: pathParameters.slot },
    needs: { table: 'readWrite', doors: true },
  }),
  'kiosk-pickup': http({
    name: 'kiosk-pickup',
    method: 'POST',
    path: '/locations/{locationId}/pickup',
    summary: "Collect a parcel with its code at the location's kiosk",
    roles: ['kiosk'],
    request: { params: pathParameters.location, body: requestBodies['kiosk-pickup'] },
    guessable: true,
    needs: { table: 'readWrite', pickupCodeSecret: true, doors: true },
  }),
  'store-parcel': http({
    name: 'store-parcel',
    method: 'POST',
    path: '/parcels',
    summary: "Store a parcel: claim the best-fitting free slot and open its door",
    roles: ['carrier'],
    request: { body: requestBodies['store-parcel'], headers: { 'idempotency-key': idempotencyKey } },
    needs: { table: 'readWrite', pickupCodeSecret: true, doors: true },
  }),
  'list-parcels': http({
    name: 'list-parcels',
    method: 'GET',
    path: '/parcels',
    summary: "List the caller's parcels (customers) or all parcels (admins)",
    roles: ['customer', 'admin'],
    request: { query: listParcelsQuery },
    needs: { table: 'read', pickupCodeSecret: true },
  }),
  'get-parcel': http({
    name: 'get-parcel',
    method: 'GET',
    path: '/parcels/{parcelId}',
    summary: 'Read a parcel; its recipient also gets the pickup code',
    roles: ['customer', 'carrier', 'admin'],
    request: { params: pathParameters.parcel },
    needs: { table: 'read', pickupCodeSecret: true },
  }),
  'retrieve-parcel': http({
    name: 'retrieve-parcel',
    method: 'POST',
    path: '/parcels/{parcelId}/retrieve',
    summary: 'Collect a parcel with its code (the recipient): its door opens',
    roles: ['customer'],
    request: { params: pathParameters.parcel, body: requestBodies['retrieve-parcel'] },
    guessable: true,
    needs: { table: 'readWrite', pickupCodeSecret: true, doors: true },
  }),
  'reissue-code': http({
    name: 'reissue-code',
    method: 'POST',
    path: '/parcels/{parcelId}/code',
    summary: 'Issue a new pickup code; the old one stops working',
    roles: ['customer'],
    request: { params: pathParameters.parcel },
    needs: { table: 'readWrite', pickupCodeSecret: true },
  }),
  'cancel-parcel': http({
    name: 'cancel-parcel',
    method: 'POST',
    path: '/parcels/{parcelId}/cancel',
    summary: 'Cancel a parcel being deposited or stored',
    roles: ['carrier', 'admin'],
    request: { params: pathParameters.parcel },
    needs: { table: 'readWrite', doors: true },
  }),
  'return-parcel': http({
    name: 'return-parcel',
    method: 'POST',
    path: '/parcels/{parcelId}/return',
    summary: 'Return an expired parcel to its sender',
    roles: ['carrier', 'admin'],
    request: { params: pathParameters.parcel },
    needs: { table: 'readWrite' },
  }),
  // Customers only: parcels are addressed to customers, so only they are told (see get-profile).
  'get-profile': http({
    name: 'get-profile',
    method: 'GET',
    path: '/me',
    summary: "Read the caller's contact for notifications, or one suggested from their token",
    roles: ['customer'],
    request: {},
    needs: { table: 'read' },
  }),
  'put-profile': http({
    name: 'put-profile',
    method: 'PUT',
    path: '/me',
    summary: "Save the caller's contact for notifications: email, phone, channels, language",
    roles: ['customer'],
    request: { body: requestBodies['put-profile'] },
    // It sends a code to each new address itself, so the answer can say when the address's hourly
    // limit refused it; the code's hash and the address's limit key need the service secret.
    needs: { table: 'readWrite', pickupCodeSecret: true, notifier: true },
  }),
  'verify-contact': http({
    name: 'verify-contact',
    method: 'POST',
    path: '/me/verify',
    summary: 'Verify an address saved in the profile with the one-time code sent to it',
    roles: ['customer'],
    request: { body: requestBodies['verify-contact'] },
    guessable: true,
    needs: { table: 'readWrite', pickupCodeSecret: true },
  }),
  'expire-parcels': schedule({
    name: 'expire-parcels',
    everyMinutes: 5,
    needs: { table: 'readWrite' },
  }),
  'door-timeouts': schedule({
    name: 'door-timeouts',
    everyMinutes: 1,
    needs: { table: 'readWrite', doors: true },
  }),
  'send-reminders': schedule({
    name: 'send-reminders',
    everyMinutes: 15,
    // It writes the reminder event; the notifier sends the messages from the stream.
    needs: { table: 'readWrite' },
  }),
  'reconcile-door': iot({
    name: 'reconcile-door',
    rule: {
      topicFilter: '$aws/things/+/shadow/name/+/update/documents',
      topicFields: { thingName: 3, shadowName: 6 },
      description: "Every accepted change of a door's shadow, to move parcels and slots after what the door did",
    },
    needs: { table: 'readWrite', doors: true },
  }),
  'track-presence': iot({
    name: 'track-presence',
    rule: {
      topicFilter: '$aws/events/presence/+/+',
      topicFields: {},
      description: "AWS IoT lifecycle events: a locker's connection comes and goes",
    },
    needs: { table: 'readWrite' },
  }),
  notify: stream({
    name: 'notify',
    description: 'Tells recipients, integrators and operators about the events every change writes',
    // Event items only, and only as they are written: an event is never changed or deleted.
    filter: { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['EVENT'] } } } },
    batchSize: 25,
    maxBatchingWindowSeconds: 0,
    retryAttempts: 3,
    needs: { table: 'readWrite', pickupCodeSecret: true, notifier: true },
  }),
} as const;

export type FunctionName = keyof typeof manifest;

export const functionDefinitions: readonly FunctionDefinition[] = Object.values(manifest);
export const httpFunctions: readonly HttpFunction[] = functionDefinitions.filter((fn): fn is HttpFunction => fn.kind === 'http');
export const scheduledFunctions: readonly ScheduledFunction[] = functionDefinitions.filter(
  (fn): fn is ScheduledFunction => fn.kind === 'schedule',
);
export const iotFunctions: readonly IotFunction[] = functionDefinitions.filter((fn): fn is IotFunction => fn.kind === 'iot');
export const streamFunctions: readonly StreamFunction[] = functionDefinitions.filter((fn): fn is StreamFunction => fn.kind === 'streams');

/** Where a function's entry point lives, relative to the repository root. */
export function entryPath(fn: FunctionDefinition): string {
  return `functions/${fn.kind}/${fn.name}.ts`;
}
