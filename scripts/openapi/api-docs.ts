import * as z from 'zod/mini';
import type { DoorReport } from '#shared/domain/door';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TooManyAttemptsError,
  UnavailableError,
  ValidationError,
  type DomainError,
} from '#shared/domain/errors';
import { channels, supportedLocales } from '#shared/domain/contact';
import type { Location, LocationSummary } from '#shared/domain/location';
import { kioskAttemptPolicy } from '#shared/domain/pickup-code';
import { parcelStatuses } from '#shared/domain/parcel';
import type { FreeCounts, Occupancy, Service, SlotFault, SlotStatus } from '#shared/domain/slot';
import { gatewayResponses } from '#infra/constructs/gateway-responses';
import { internalError, statusByError, UnauthorizedError, type DomainErrorType } from '#shared/http/errors';
import { pickupCode, slotSize } from '#shared/http/schemas';
import type { manifest } from '#shared/manifest';
import type { LocationView } from '#shared/use-cases/get-location';
import type { ProfileView } from '#shared/use-cases/get-profile';
import type { openSlot } from '#shared/use-cases/open-slot';
import type { reissuePickupCode } from '#shared/use-cases/reissue-code';
import type { StoreParcelResult } from '#shared/use-cases/store-parcel';
import type { ParcelDetails } from '#shared/use-cases/support/parcel-view';
import type { PickupResult } from '#shared/use-cases/support/pickup';
import type { LockerView, SlotView } from '#shared/use-cases/support/slot-view';

/**
 * What docs/openapi.json says beyond the manifest: the responses of each HTTP function, the
 * refusals each can answer, and the prose around them. The manifest and the request schemas stay
 * the source of truth for routes, roles and inputs; generate.ts beside it joins the three.
 * It lives with the generator, outside the code the functions are bundled from, as no handler
 * needs it.
 */

type Manifest = typeof manifest;

export type HttpFunctionName = { [Name in keyof Manifest]: Manifest[Name] extends { readonly kind: 'http' } ? Name : never }[keyof Manifest];

/** Metadata zod copies into the JSON Schema; `id` makes a schema a named component. */
export interface SchemaMeta {
  readonly id?: string;
  readonly description?: string;
  readonly format?: 'date-time';
}

/**
 * The response schemas and their metadata, kept out of zod's global registry so nothing else that
 * registers schemas can leak into the document.
 */
export const responseSchemas = z.registry<SchemaMeta>();

function component<T extends z.ZodMiniType>(id: string, schema: T, description?: string): T {
  responseSchemas.add(schema, description === undefined ? { id } : { id, description });
  return schema;
}

/**
 * A use of a schema with its own description; a named component becomes `allOf: [$ref]` beside
 * the description, since OpenAPI 3.0 ignores siblings of a bare `$ref`.
 */
function described<T extends z.ZodMiniType>(schema: T, description: string): T {
  responseSchemas.add(schema, { description });
  return schema;
}

const timestamp = (description?: string) => {
  const schema = z.string();
  responseSchemas.add(schema, description === undefined ? { format: 'date-time' } : { format: 'date-time', description });
  return schema;
};

const count = () => z.number().check(z.int(), z.minimum(0));

/**
 * The codes each typed error carries, listed because types are gone at run time. A list holds
 * only its class's codes, and all of them, or this fails to compile; the generator refuses to run
 * while a class of the error middleware's table has no list here.
 */
function codesOf<E extends DomainError, const Codes extends readonly E['code'][]>(
  type: abstract new (...args: never[]) => E,
  codes: Codes & ([Exclude<E['code'], Codes[number]>] extends [never] ? unknown : { readonly missing: Exclude<E['code'], Codes[number]> }),
): { readonly type: DomainErrorType; readonly codes: Codes } {
  return { type, codes };
}

export const typedErrorCodes = [
  codesOf(ValidationError, ['VALIDATION_ERROR']),
  codesOf(UnauthorizedError, ['UNAUTHORIZED']),
  codesOf(ForbiddenError, ['FORBIDDEN', 'INVALID_PICKUP_CODE', 'INVALID_VERIFICATION_CODE']),
  codesOf(NotFoundError, ['NOT_FOUND', 'LOCATION_NOT_FOUND', 'LOCKER_NOT_FOUND', 'SLOT_NOT_FOUND', 'PARCEL_NOT_FOUND']),
  codesOf(ConflictError, [
    'NO_SLOT_AVAILABLE',
    'INVALID_STATE',
    'PARCEL_EXPIRED',
    'PARCEL_EXISTS',
    'LOCATION_EXISTS',
    'LOCKER_EXISTS',
    'LOCKER_NOT_EMPTY',
    'SLOT_OCCUPIED',
    'IDEMPOTENCY_KEY_REUSED',
    'LOCKER_OFFLINE',
    'SLOT_OUT_OF_SERVICE',
    'DOOR_BUSY',
    'DOOR_NOT_CLOSED',
    'NO_CODE_PENDING',
    'CODE_EXPIRED',
  ]),
  codesOf(TooManyAttemptsError, ['TOO_MANY_ATTEMPTS', 'TOO_MANY_MESSAGES']),
  codesOf(UnavailableError, ['TRY_AGAIN']),
] as const;

/** Answers no typed error gives: the gateway's own (gateway-responses), and the middleware's 500. */
export const gatewayCodes = ['REQUEST_TOO_LARGE', 'TOO_MANY_REQUESTS', internalError.code] as const;

// The document cannot promise a code the service never sends: every code is a typed error's or
// one of the answers above.
type ErrorCode = (typeof typedErrorCodes)[number]['codes'][number] | (typeof gatewayCodes)[number];

function statusOfType(type: DomainErrorType): number {
  const row = statusByError.find(([mapped]) => type === mapped || type.prototype instanceof mapped);
  if (row === undefined) throw new Error(`${type.name} is not in the error middleware's table (shared/http/errors.ts)`);
  return row[1];
}

function statusOfGatewayCode(code: (typeof gatewayCodes)[number]): number {
  if (code === internalError.code) return internalError.status;
  const answer = gatewayResponses.find((response) => response.code === code);
  if (answer?.statusCode === undefined) throw new Error(`${code} is not a gateway response with a status (infra/constructs/gateway-responses.ts)`);
  return Number(answer.statusCode);
}

function errorStatusesFromTheirTables(): Readonly<Record<ErrorCode, number>> {
  const undocumented = statusByError.filter(([mapped]) => !typedErrorCodes.some(({ type }) => type === mapped));
  if (undocumented.length > 0) throw new Error(`api-docs lists no codes for ${undocumented.map(([type]) => type.name).join(', ')}`);
  const statuses: [ErrorCode, number][] = [
    ...typedErrorCodes.flatMap(({ type, codes }) => codes.map((code): [ErrorCode, number] => [code, statusOfType(type)])),
    ...gatewayCodes.map((code): [ErrorCode, number] => [code, statusOfGatewayCode(code)]),
  ];
  // The gateway answers some typed errors' codes itself (401, 403, 404, 400): with the same status.
  for (const { code, statusCode } of gatewayResponses) {
    const typed = statuses.find(([listed]) => listed === code);
    if (typed !== undefined && statusCode !== undefined && Number(statusCode) !== typed[1]) {
      throw new Error(`The gateway answers ${code} with ${statusCode}, the error middleware with ${typed[1]}`);
    }
  }
  // By status, so the Error schema lists codes in the order the document's statuses go.
  return Object.fromEntries(statuses.sort(([, a], [, b]) => a - b)) as Record<ErrorCode, number>;
}

/** Each code's status, as the error middleware and the gateway answer it. */
export const errorStatuses = errorStatusesFromTheirTables();

const errorCodes = Object.keys(errorStatuses) as [ErrorCode, ...ErrorCode[]];

function codesByStatus(): string {
  const statuses = [...new Set(Object.values(errorStatuses))];
  return statuses.map((status) => `${status} ${errorCodes.filter((code) => errorStatuses[code] === status).join(', ')}`).join('; ');
}

// Schemas

const validationIssue = component(
  'ValidationIssue',
  z.object({
    path: described(z.string(), 'Where, e.g. `body.slots.S`, `path.parcelId`, `query.limit`, `header.idempotency-key`.'),
    message: z.string(),
  }),
);

export const errorSchema = component(
  'Error',
  z.object({
    error: z.object({
      code: described(z.enum(errorCodes), `What went wrong, for programs: ${codesByStatus()}.`),
      message: described(z.string(), 'What went wrong, for people.'),
      details: described(z.optional(z.array(validationIssue)), 'Only with VALIDATION_ERROR: one entry per problem.'),
    }),
  }),
);

const health = component('Health', z.object({ status: z.literal('ok') }));

const size = component('SlotSize', slotSize);
const slotStatus = component(
  'SlotStatus',
  z.enum(['FREE', 'OCCUPIED', 'OUT_OF_SERVICE']),
  'The summary: FREE when a parcel could be stored in the slot now (empty, in service, its door closed and locked, no command under way); OUT_OF_SERVICE when it may not be used, whatever is inside; OCCUPIED otherwise (a parcel inside or on its way, or its door still busy).',
);
const parcelStatus = component('ParcelStatus', z.enum(parcelStatuses));

const freeCounts = component(
  'FreeCounts',
  z.object({ S: count(), M: count(), L: count() }),
  'FREE slots per size (see SlotStatus) in lockers that are online: a store skips the doors of an offline locker.',
);

const location = component(
  'Location',
  z.object({
    locationId: z.string(),
    name: z.string(),
    address: z.string(),
    pickupWindowHours: described(z.number().check(z.int()), 'How long a parcel waits here before it expires.'),
    createdAt: timestamp(),
  }),
);

const locationSummary = component('LocationSummary', z.extend(location, { freeSlots: freeCounts }));

const locationPage = component(
  'LocationPage',
  z.object({
    items: z.array(locationSummary),
    cursor: described(z.optional(z.string()), 'Pass as `cursor` to get the next page; absent on the last page.'),
  }),
);

const occupancy = component(
  'Occupancy',
  z.enum(['FREE', 'OCCUPIED']),
  'Whether a parcel is in the slot (or on its way in), whatever the state of its door.',
);
const service = component('Service', z.enum(['IN_SERVICE', 'OUT_OF_SERVICE']));
const slotFault = component(
  'SlotFault',
  z.enum(['JAMMED', 'DID_NOT_OPEN', 'DOOR_LEFT_OPEN', 'FORCED_OPEN', 'MAINTENANCE']),
  "Why a slot is out of service: JAMMED (its door reported that the latch did not release), DID_NOT_OPEN (its door was not heard opening before the command's deadline), DOOR_LEFT_OPEN (its door stood open too long; the slot comes back once the door reports closed and locked), FORCED_OPEN (its door opened with no command behind it), MAINTENANCE (an admin took it out; see `note`).",
);

const doorState = component(
  'DoorState',
  z.object({
    lock: z.enum(['LOCKED', 'UNLOCKED']),
    door: z.enum(['OPEN', 'CLOSED']),
    fault: described(z.nullable(z.literal('JAMMED')), 'What the door reported about itself: JAMMED when its latch did not release.'),
    reportedAt: timestamp('When the service received the report.'),
  }),
  "The door's last report through its device shadow (docs/door-contract.md).",
);

const slot = component(
  'Slot',
  z.object({
    locationId: z.string(),
    lockerId: z.string(),
    slotId: described(z.string(), 'The door number within the locker: `01`, `02`, …'),
    size,
    status: slotStatus,
    occupancy,
    service,
    fault: described(z.optional(slotFault), 'While OUT_OF_SERVICE: why.'),
    note: described(z.optional(z.string()), "An admin's reason for taking the slot out of service."),
    parcelId: described(z.optional(z.string()), 'Admins only: the parcel inside, or on its way in.'),
    door: described(z.optional(doorState), 'Absent until the door first reports.'),
    commandId: described(z.optional(z.string()), 'Admins only: the door command under way.'),
  }),
  "A slot, its summary `status` and what lies behind it: whether a parcel is inside (`occupancy`), whether it may be used (`service`, `fault`), and its door's last report. Carriers see neither parcel ids nor door commands.",
);

const locker = component(
  'Locker',
  z.object({
    locationId: z.string(),
    lockerId: z.string(),
    createdAt: timestamp(),
    online: described(
      z.boolean(),
      "Connected to AWS IoT now, as the locker's lifecycle events say; false until it first connects. Its doors cannot open while it is offline.",
    ),
    thingName: described(
      z.optional(z.string()),
      'Admins only: the AWS IoT thing the locker connects as, `<locationId>:<lockerId>` (docs/door-contract.md).',
    ),
    slots: z.array(slot),
  }),
);

const locationView = component(
  'LocationView',
  z.extend(locationSummary, { lockers: described(z.optional(z.array(locker)), 'Only for admins and carriers.') }),
);

const addedLocker = component(
  'AddedLocker',
  z.object({
    locationId: z.string(),
    lockerId: z.string(),
    thingName: described(z.string(), 'The AWS IoT thing the locker connects as, `<locationId>:<lockerId>` (docs/door-contract.md).'),
    online: described(z.boolean(), 'False: a new locker is offline, and no store uses its doors, until its hardware connects (see Locker).'),
    slots: z.array(z.object({ slotId: z.string(), size, status: slotStatus })),
  }),
);

const storeParcelResult = component(
  'StoreParcelResult',
  z.object({
    parcelId: z.string(),
    status: described(
      parcelStatus.check(),
      "DEPOSITING for a new parcel: its slot's door is opening. A repeated Idempotency-Key returns the parcel's current status.",
    ),
    locationId: z.string(),
    lockerId: z.string(),
    slotId: described(
      z.string(),
      'The door that opens for the parcel. Should it jam or not open in time, the parcel moves to another slot: `GET /parcels/{parcelId}` shows where.',
    ),
    slotSize: described(size.check(), 'The slot allocated: the requested size or the smallest larger one free.'),
    commandId: described(z.optional(z.string()), 'The door command under way, while the parcel is at its door (DEPOSITING or COLLECTING).'),
    expiresAt: z.optional(timestamp('End of the pickup window: set once the door has closed on the parcel (STORED).')),
  }),
  'Never contains the pickup code.',
);

const recipientContact = component(
  'RecipientContact',
  z.object({
    email: z.optional(z.string()),
    phone: described(z.optional(z.string()), 'E.164, such as `+447700900123`.'),
  }),
  "How the carrier said to reach the recipient, used only while the recipient has no profile (`GET /me`). Shown only to the recipient, that carrier and admins.",
);

const parcel = component(
  'Parcel',
  z.object({
    parcelId: z.string(),
    locationId: z.string(),
    lockerId: z.string(),
    slotId: z.string(),
    slotSize: size,
    size: described(size.check(), 'The size the carrier asked for; the slot may be larger.'),
    recipientId: described(z.string(), "The recipient's `sub`."),
    carrierId: described(z.string(), 'The `sub` of the carrier who stored it.'),
    status: parcelStatus,
    createdAt: timestamp(),
    updatedAt: timestamp(),
    pickupWindowHours: described(z.number().check(z.int()), "How long the parcel may wait once stored: its location's window when it was created."),
    expiresAt: z.optional(timestamp('End of the pickup window: set once the door has closed on the parcel (STORED).')),
    commandId: described(z.optional(z.string()), 'The door command under way, while DEPOSITING or COLLECTING.'),
    failedAttempts: described(count(), 'Wrong pickup codes in a row since the last lock.'),
    lockedUntil: z.optional(timestamp('Set when 5 wrong pickup codes in a row locked the parcel: the lock lasts until this time.')),
    recipientContact: described(
      z.optional(recipientContact),
      'Only when the carrier gave one, and only for the recipient, that carrier and admins.',
    ),
  }),
);

const parcelView = component(
  'ParcelView',
  z.extend(parcel, {
    pickupCode: described(z.optional(pickupCode), 'Only for the recipient, and only while the parcel is STORED and within its pickup window.'),
  }),
);

const parcelPage = component(
  'ParcelPage',
  z.object({
    items: z.array(parcel),
    cursor: described(z.optional(z.string()), 'Pass as `cursor` to get the next page; absent on the last page.'),
  }),
);

const pickupResult = component(
  'PickupResult',
  z.object({
    parcelId: z.string(),
    status: described(z.literal('COLLECTING'), 'The door is opening: the parcel becomes RETRIEVED when the door reports open.'),
    lockerId: z.string(),
    slotId: described(z.string(), 'The door that opens.'),
    commandId: described(z.string(), 'The PICKUP command written to the door.'),
  }),
);

const maintenanceCommand = component(
  'MaintenanceCommand',
  z.object({
    commandId: described(z.string(), 'The MAINTENANCE command written to the door.'),
    locationId: z.string(),
    lockerId: z.string(),
    slotId: z.string(),
  }),
);

const issuedPickupCode = component('IssuedPickupCode', z.object({ parcelId: z.string(), pickupCode }));

const cancelledParcel = component('CancelledParcel', z.object({ parcelId: z.string(), status: z.literal('CANCELLED') }));

const returnedParcel = component('ReturnedParcel', z.object({ parcelId: z.string(), status: z.literal('RETURNED') }));

const profile = component(
  'Profile',
  z.object({
    email: z.optional(z.string()),
    phone: described(z.optional(z.string()), 'E.164, such as `+447700900123`.'),
    channels: described(
      z.array(z.enum(channels)),
      'How the customer is told about their parcels, each with its address present; empty: told nothing. Only a verified address is told anything (see `verified`).',
    ),
    locale: described(z.enum(supportedLocales), 'The language of the messages.'),
    saved: described(
      z.boolean(),
      "false: nothing is saved and this is a suggestion from the token's verified `email` and `phone_number` (or empty); nothing is sent to it until it is saved with `PUT /me`.",
    ),
    verified: described(
      z.array(z.enum(channels)),
      "The channels whose address is proved the customer's: the token's own verified address, or one verified with its code (`POST /me/verify`). Only these are told about parcels.",
    ),
    pending: described(
      z.array(z.enum(channels)),
      'The channels whose address waits for the one-time code sent to it when it was saved; it is told nothing else until verified.',
    ),
  }),
);

// What the service sends must be what the document says: the types the use cases return and the
// documented ones have to agree both ways, or this fails to compile. Arrays compare without their
// `readonly`, which JSON does not carry.
type Plain<T> = T extends readonly (infer Item)[] ? Plain<Item>[] : T extends object ? { -readonly [K in keyof T]: Plain<T[K]> } : T;
type Agrees<Documented, Sent> = [Plain<Documented>] extends [Plain<Sent>] ? ([Plain<Sent>] extends [Plain<Documented>] ? true : false) : false;

/**
 * What slotView() sends as `door`: the fields of the slot's last DoorReport. SlotView types them
 * as plain strings, looser than what is sent; the document states the report's enums.
 */
type SentDoor = Pick<DoorReport, 'lock' | 'door' | 'fault'> & { readonly reportedAt: string };
type SentSlot = Omit<SlotView, 'door'> & { readonly door?: SentDoor };
type SentLocker = Omit<LockerView, 'slots'> & { readonly slots: readonly SentSlot[] };
type SentLocationView = Omit<LocationView, 'lockers'> & { readonly lockers?: readonly SentLocker[] };

const _responsesMatchTheDomain: readonly true[] = [
  true satisfies Agrees<z.output<typeof location>, Location>,
  true satisfies Agrees<z.output<typeof freeCounts>, FreeCounts>,
  true satisfies Agrees<z.output<typeof locationSummary>, LocationSummary>,
  true satisfies Agrees<z.output<typeof slotStatus>, SlotStatus>,
  true satisfies Agrees<z.output<typeof occupancy>, Occupancy>,
  true satisfies Agrees<z.output<typeof service>, Service>,
  true satisfies Agrees<z.output<typeof slotFault>, SlotFault>,
  // SentDoor is narrower than SlotView's `door`, never wider.
  true satisfies Agrees<SentDoor, SentDoor & NonNullable<SlotView['door']>>,
  true satisfies Agrees<z.output<typeof slot>, SentSlot>,
  true satisfies Agrees<z.output<typeof locker>, SentLocker>,
  true satisfies Agrees<z.output<typeof locationView>, SentLocationView>,
  true satisfies Agrees<z.output<typeof parcel>, ParcelDetails>,
  true satisfies Agrees<z.output<typeof profile>, ProfileView>,
  true satisfies Agrees<z.output<typeof storeParcelResult>, StoreParcelResult>,
  true satisfies Agrees<z.output<typeof pickupResult>, PickupResult>,
  true satisfies Agrees<z.output<typeof maintenanceCommand>, Awaited<ReturnType<typeof openSlot>>>,
  true satisfies Agrees<z.output<typeof issuedPickupCode>, Awaited<ReturnType<typeof reissuePickupCode>>>,
];

/** The refusals that tell the caller when to come back, in a Retry-After header. */
export const codesWithRetryAfter = ['TOO_MANY_ATTEMPTS', 'TOO_MANY_MESSAGES', 'TRY_AGAIN'] as const satisfies readonly ErrorCode[];

/** Retry-After, sent only with the codes above. */
export const retryAfterHeader = {
  description:
    "Seconds to wait before trying again. Always sent with TOO_MANY_ATTEMPTS and TRY_AGAIN; the gateway's TOO_MANY_REQUESTS has none.",
  schema: z.int().check(z.minimum(1)),
};

// The document around the operations

export const apiInfo = {
  title: 'Parcel locker service API',
  description: [
    "Carriers store parcels in locker slots; recipients collect them with a 10-digit pickup code, in the app or on the locker's kiosk; uncollected parcels expire and carriers return them.",
    "Every slot has a door, which the service commands through its locker's AWS IoT device shadow (docs/door-contract.md); a parcel follows what its door did. A store answers 201 with the parcel DEPOSITING, and the parcel is STORED (its pickup window starting) once the door has opened and closed on it. A pickup answers 202 with the parcel COLLECTING, and the parcel is RETRIEVED once its door reports open. Follow a parcel with `GET /parcels/{parcelId}`.",
    'Every route except `GET /health` needs a bearer JWT (a Cognito user pool token in AWS, a token from `POST /_local/token` under `npm start`). The role is the token\'s `cognito:groups`: `admin`, `carrier`, `customer` or `kiosk`; a kiosk token also carries `custom:locationId`.',
    'Every error has the body `{"error":{"code":"…","message":"…","details"?:[{"path","message"}]}}` (`Error` below). Common to all authenticated routes: 401 without a valid token, 403 for a role the route does not allow, 400 `VALIDATION_ERROR` for malformed input (including any query parameter on a route that takes none). Any route may also meet the gateway\'s own answers: 404 `NOT_FOUND` for an unknown route, 403 `FORBIDDEN` when the firewall blocks a request, 413 `REQUEST_TOO_LARGE`, 429 `TOO_MANY_REQUESTS` from the rate limits (the firewall\'s per-client limit is much tighter on the two pickup-code routes), 500 `INTERNAL_ERROR`. Every route that reads or changes data may answer 503 `TRY_AGAIN` with `Retry-After` when the table or a locker did not answer in time (every request is answered within its function\'s timeout, inside API Gateway\'s 29 s): the outcome is unknown and the same request may be repeated, since no change applies twice (a store only with its `Idempotency-Key`). A route also lists the cases where a 503 means nothing was changed (its write kept meeting concurrent changes, or a locker did not take a door command). Objects a caller may not see are 404, never 403, so their existence is not confirmed.',
    'The local-only routes of `npm start` (`/_local/token`, `/_local/clock`, `/_local/sweep`, `/_local/lockers/…`) are never deployed and are not part of this document.',
  ].join('\n\n'),
  license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
} as const;

export const servers = [
  {
    url: 'http://localhost:{port}',
    description: 'The local stack (`npm start`)',
    variables: { port: { default: '3000' } },
  },
  {
    url: 'https://{apiId}.execute-api.{region}.amazonaws.com/{stage}',
    description: 'A deployed stage (API Gateway REST)',
    variables: {
      apiId: { default: 'example' },
      region: { default: 'eu-west-1' },
      stage: { default: 'dev', enum: ['dev', 'prod'] },
    },
  },
] as const;

export const bearerAuthDescription = 'A Cognito user pool token (locally, one from `POST /_local/token`). Roles are its `cognito:groups`.';

export const tags = [
  { name: 'health' },
  { name: 'locations', description: 'Locations, their lockers, slots and doors' },
  { name: 'parcels', description: 'Storing, collecting, cancelling and returning parcels' },
  { name: 'profile', description: "How a customer is told about their parcels" },
] as const;

export type TagName = (typeof tags)[number]['name'];

/**
 * Who may call, and the refusals every route shares, worded once; the generator picks what applies
 * from the route's roles and request schemas.
 */
export const sharedText = {
  public: 'Anyone, without a token.',
  roles: (roles: readonly string[]) => `Roles: ${roles.join(', ')}.`,
  body: 'the body is missing, not JSON, over 16 KB, has an unknown field, a missing field, a wrong type or an unknown enum value',
  params: 'a path parameter is malformed',
  query: 'a query parameter is unknown or out of its bounds',
  noQuery: 'a query parameter was sent (this route takes none)',
  header: (name: string) => `the \`${name}\` header is malformed`,
  details: '`details` lists each problem.',
  unauthorized: 'no token, or a token that is not valid',
  forbidden: (roles: readonly string[]) => `the caller's role is not ${roles.length === 1 ? roles[0] : `one of ${roles.join(', ')}`}`,
  retryAfter: '`Retry-After` says how many seconds to wait',
  unknownOutcome:
    'the table or a locker did not answer in time, refused the connection or kept throttling: the outcome is unknown, and repeating the request is safe (a store with its `Idempotency-Key`)',
  throttled: (guessable: boolean) =>
    guessable ? "the gateway's or the firewall's rate limit (the firewall's per-client limit is much tighter on this route); no `Retry-After`" : "the gateway's rate limit; no `Retry-After`",
} as const;

// Routes

/** One thing a route can refuse, and when; the status follows from the code. */
export interface Refusal {
  readonly code: ErrorCode;
  readonly when: string;
}

export type Success =
  | { readonly status: 200 | 201 | 202; readonly description: string; readonly schema: z.ZodMiniType }
  | { readonly status: 204; readonly description: string };

export interface RouteDocs {
  readonly tag: TagName;
  /** What the route does, after the sentence on who may call it that the generator writes from the roles. */
  readonly description?: string;
  /** Descriptions of parameters by name as the request schemas spell them (header names lower-case). */
  readonly parameters?: Readonly<Record<string, string>>;
  /** What the body's JSON Schema cannot say. */
  readonly requestBody?: string;
  readonly success: Success;
  /**
   * The refusals of this route beyond those every route shares (validation, 401, the role's 403,
   * the gateway's 429), which the generator adds; a refusal with a shared code adds a case to it.
   */
  readonly refusals?: readonly Refusal[];
}

const parcelKeptChanging = 'the parcel kept changing under concurrent requests; nothing was changed';
const slotKeptChanging = 'the slot kept changing under concurrent requests; nothing was changed';
const pickupNotTaken =
  'the parcel kept changing under concurrent requests, or the locker did not take the door command; nothing was changed and no attempt was counted';
const afterTheDoorOpens =
  'Its door is commanded open and the parcel is COLLECTING; it becomes RETRIEVED when the door reports open, and the slot is FREE once the door is closed and locked again. Should the door jam or not open in time, the parcel is STORED again with the same code (nothing counts as a wrong code) and the slot goes out of service. The right code sent again before the door has opened (a repeat after a lost answer or a 503) answers 202 with the same command, written to the door again: the locker acts on each command once.';

export const routeDocs = {
  health: {
    tag: 'health',
    success: { status: 200, description: 'The service answers.', schema: health },
  },
  'create-location': {
    tag: 'locations',
    description:
      'The id is generated unless given: give it to make a repeat after a 503 safe (a repeat finds it taken, LOCATION_EXISTS, rather than creating a second location). The pickup window defaults to the service default (72 hours) unless given. `name` and `address` are trimmed.',
    success: { status: 201, description: 'The location created.', schema: location },
    refusals: [{ code: 'LOCATION_EXISTS', when: 'a location with this `locationId` exists' }],
  },
  'list-locations': {
    tag: 'locations',
    description:
      'Locations in id order, each with its free slot counts per size; the lockers and slots themselves are only in `GET /locations/{locationId}`. Paginated: pass the `cursor` of one page to get the next; the last page has none.',
    parameters: {
      limit: 'Page size.',
      cursor: 'The `cursor` of the previous page, as given.',
    },
    success: { status: 200, description: 'One page of locations.', schema: locationPage },
    refusals: [{ code: 'VALIDATION_ERROR', when: 'the `cursor` is malformed or not from this listing' }],
  },
  'get-location': {
    tag: 'locations',
    description:
      "Everyone sees the free slot counts per size; admins and carriers also see `lockers`, each with whether it is online and its slots: their status, occupancy, service, fault and their door's last report. Only admins see each locker's `thingName` and each slot's `parcelId` and `commandId`.",
    success: { status: 200, description: 'The location.', schema: locationView },
    refusals: [{ code: 'LOCATION_NOT_FOUND', when: 'no such location' }],
  },
  'add-locker': {
    tag: 'locations',
    description:
      'Adds a locker with the given number of slots per size, all FREE; doors are numbered `01`, `02`, … small slots first, then medium, then large. The id is generated unless given: give it to make a repeat after a 503 safe. The locker is offline until its hardware connects to AWS IoT as the thing `<locationId>:<lockerId>` (hence at most 63 characters for `lockerId`).',
    requestBody: 'A locker has between 1 and 60 slots in all (checked by the service; JSON Schema cannot say it).',
    success: { status: 201, description: 'The locker added, with its slots.', schema: addedLocker },
    refusals: [
      { code: 'VALIDATION_ERROR', when: 'the slot counts add up to fewer than 1 or more than 60' },
      { code: 'LOCATION_NOT_FOUND', when: 'no such location' },
      { code: 'LOCKER_EXISTS', when: 'this location already has a locker with this `lockerId`' },
    ],
  },
  'remove-locker': {
    tag: 'locations',
    description: 'Removes the locker and its slots, refused while any slot holds a parcel or has a door command under way.',
    success: { status: 204, description: 'The locker and its slots are gone.' },
    refusals: [
      { code: 'LOCKER_NOT_FOUND', when: 'no such locker at this location' },
      { code: 'LOCKER_NOT_EMPTY', when: 'a slot of the locker holds a parcel or has a door command under way' },
    ],
  },
  'update-slot': {
    tag: 'locations',
    description:
      "`OUT_OF_SERVICE` takes the slot out of service, even with a parcel inside (fault MAINTENANCE unless its door already put it out, with the optional `note`). `FREE` puts it back in service, only while its door reports closed and locked (a door never heard from counts as closed); a slot with a parcel inside then stays OCCUPIED.",
    parameters: { slotId: 'The door number within the locker: `01`, `02`, …' },
    success: { status: 200, description: 'The slot, as it is now.', schema: slot },
    refusals: [
      { code: 'SLOT_NOT_FOUND', when: 'no such slot' },
      { code: 'SLOT_OCCUPIED', when: '`FREE` for a slot in service that holds a parcel' },
      { code: 'DOOR_NOT_CLOSED', when: '`FREE` while the door last reported open or unlocked' },
      { code: 'TRY_AGAIN', when: slotKeptChanging },
    ],
  },
  'open-slot': {
    tag: 'locations',
    description:
      "Commands the slot's door open for maintenance (reason MAINTENANCE), whatever the slot's service or content. The command is done when the door reports open; a door that does not open in time puts the slot out of service (DID_NOT_OPEN) like any other. Follow the slot's door on `GET /locations/{locationId}`. Repeated while its maintenance command has not opened the door (a repeat after a lost answer), it answers with that command and writes it to the door again.",
    parameters: { slotId: 'The door number within the locker: `01`, `02`, …' },
    success: { status: 202, description: 'The door has its command.', schema: maintenanceCommand },
    refusals: [
      { code: 'SLOT_NOT_FOUND', when: 'no such locker or slot' },
      { code: 'LOCKER_OFFLINE', when: 'the locker is not connected: its doors cannot open now' },
      { code: 'DOOR_BUSY', when: 'the door is already executing another command' },
      { code: 'TRY_AGAIN', when: `${slotKeptChanging}, or the locker did not take the door command (it was taken back)` },
    ],
  },
  'kiosk-pickup': {
    tag: 'parcels',
    description: `Only for the location in the kiosk's token (\`custom:locationId\`). The parcel is found from the code alone. ${afterTheDoorOpens} Each location has a budget of ${kioskAttemptPolicy.attemptsPerWindow} attempts per ${kioskAttemptPolicy.windowMinutes}-minute window (windows aligned to the clock), and each kiosk token one of ${kioskAttemptPolicy.attemptsPerKioskPerWindow} within it, taken before the code is looked at; a right code gives its attempt back, a wrong one keeps it. Once the window's budget is spent, every code, right or wrong, is refused with 429 until the window ends (\`Retry-After\`). A parcel locked by wrong codes in the app is not locked at the kiosk.`,
    success: { status: 202, description: 'The door is opening.', schema: pickupResult },
    refusals: [
      { code: 'FORBIDDEN', when: 'the kiosk serves another location' },
      { code: 'INVALID_PICKUP_CODE', when: 'no STORED parcel here has this code (the attempt is counted)' },
      { code: 'PARCEL_EXPIRED', when: "the parcel's pickup window has passed" },
      { code: 'INVALID_STATE', when: 'the parcel is being collected and its door has already opened, or its command is about to expire' },
      { code: 'LOCKER_OFFLINE', when: "the parcel's locker is not connected: its door cannot open now (nothing changed)" },
      { code: 'SLOT_OUT_OF_SERVICE', when: "the parcel's slot is out of service; staff have been alerted" },
      { code: 'DOOR_BUSY', when: "the parcel's door is already executing a command" },
      {
        code: 'TOO_MANY_ATTEMPTS',
        when: `the location's ${kioskAttemptPolicy.attemptsPerWindow} attempts, or this kiosk's ${kioskAttemptPolicy.attemptsPerKioskPerWindow}, of this ${kioskAttemptPolicy.windowMinutes}-minute window are spent; the code was not looked at`,
      },
      { code: 'TRY_AGAIN', when: pickupNotTaken },
    ],
  },
  'store-parcel': {
    tag: 'parcels',
    description:
      'Allocates the best-fitting free slot at the location (the smallest size that fits) in a locker that is online, claims it atomically with the parcel DEPOSITING, and commands its door open (reason DEPOSIT); the pickup code is never in this response. When the door has opened and then closed and locked, the parcel is STORED and its pickup window starts. Should the door jam or not open in time, that slot goes out of service and the parcel moves to another free fitting slot at the location with a new command (`GET /parcels/{parcelId}` shows the new slot); with none left the parcel ends DEPOSIT_FAILED. With an `Idempotency-Key`, repeating the request with the same body returns the same parcel (its current state) and never claims a second slot; a refusal (409 `NO_SLOT_AVAILABLE`, `LOCKER_OFFLINE` or `PARCEL_EXISTS`) answers for the key for a minute, so copies of one request in flight together all get it, and after that the key may be tried again; the same key with a different body is a 409. The id is generated unless given. `recipient` is how to tell the recipient (an email, an E.164 phone or both) while they have no profile of their own (`PUT /me`); it is kept on the parcel and shown only to the recipient, this carrier and admins.',
    parameters: {
      'idempotency-key':
        'Makes the store safe to retry, also after a 503 `TRY_AGAIN` whose write landed late and when retries race each other: the same key with the same body returns the one parcel it created, for 24 hours. Keys are per carrier.',
    },
    success: {
      status: 201,
      description: 'The parcel is claimed a slot and its door is opening (or, for a repeated Idempotency-Key, the parcel the first request created, as it is now).',
      schema: storeParcelResult,
    },
    refusals: [
      { code: 'LOCATION_NOT_FOUND', when: 'no such location' },
      { code: 'NO_SLOT_AVAILABLE', when: 'no free slot of a fitting size at the location' },
      { code: 'LOCKER_OFFLINE', when: 'free slots of a fitting size are left, but only in lockers that are offline: their doors cannot open now' },
      { code: 'PARCEL_EXISTS', when: 'a parcel with this `parcelId` exists' },
      { code: 'IDEMPOTENCY_KEY_REUSED', when: 'this `Idempotency-Key` was used with a different body (`recipient` included)' },
      { code: 'VALIDATION_ERROR', when: '`recipient` is empty, or its email or phone (E.164) is malformed' },
    ],
  },
  'list-parcels': {
    tag: 'parcels',
    description:
      'A customer gets the parcels addressed to them; an admin gets every parcel. Both may narrow to one location with `locationId`. Paginated: pass the `cursor` of one page to get the next; the last page has none. Never includes pickup codes. `recipientContact`, when the carrier gave one, is shown to the recipient and admins.',
    parameters: {
      locationId: 'Only parcels at this location.',
      limit: 'Page size.',
      cursor: 'The `cursor` of the previous page, as given.',
    },
    success: { status: 200, description: 'One page of parcels.', schema: parcelPage },
    refusals: [{ code: 'VALIDATION_ERROR', when: 'the `cursor` is malformed or not from this listing' }],
  },
  'get-parcel': {
    tag: 'parcels',
    description:
      'Its recipient (customer), the carrier who stored it, or an admin; for anyone else (another customer, another carrier) the parcel is a 404. `pickupCode` is present only for the recipient, and only while the parcel is STORED and within its pickup window. `recipientContact`, when the carrier gave one, is shown to the recipient, that carrier and admins.',
    success: { status: 200, description: 'The parcel.', schema: parcelView },
    refusals: [{ code: 'PARCEL_NOT_FOUND', when: 'no such parcel, or not one the caller may see' }],
  },
  'get-profile': {
    tag: 'profile',
    description:
      "Only customers have a profile: it says how they are told about their parcels (the parcel ready with its code, a new code, a reminder before the deadline, picked up, expired, cancelled, returned), on its verified addresses only. The saved profile (`saved: true`), or, while none is saved, one suggested from the token's `email` and `phone_number` claims (those the token does not mark unverified) with `saved: false`, which is not used until saved; with nothing known, an empty profile (`channels: []`), never a 404. While no profile is saved, the contact a carrier gave when storing a parcel is sent that parcel's ready-for-pickup message and nothing else.",
    success: { status: 200, description: 'The profile, saved or suggested.', schema: profile },
  },
  'put-profile': {
    tag: 'profile',
    description:
      "Replaces the profile whole: a field left out is removed. `channels` defaults to every channel with an address (`sms` with `phone`, `email` with `email`); `channels: []` with an address asks to be told nothing, even through a contact a carrier gives. `locale` is a BCP 47 tag resolved to a supported language (`en-GB` → `en`; an unsupported language gets English). An address is told about parcels only once verified: the token's own verified `email`/`phone_number` is verified at once, an address verified before stays verified while unchanged, and any other address is sent a 6-digit one-time code (valid 15 minutes, 5 attempts) and is `pending` until `POST /me/verify`; saving it again sends a new code. Every address receives at most 3 codes an hour, whoever asks, counted apart from its parcel messages (at most 10 an hour by default, `MESSAGES_PER_DESTINATION_HOUR`), so naming someone else's address cannot stop their pickup codes.",
    requestBody: '`phone` in E.164 (`+`, country code, number: 8 to 16 characters); `email` an address with a domain; each channel in `channels` needs its address (checked by the service; JSON Schema cannot say it).',
    success: { status: 200, description: 'The profile as saved, with what is verified and what waits for its code.', schema: profile },
    refusals: [
      {
        code: 'VALIDATION_ERROR',
        when: 'the email, the phone (not E.164) or the locale is malformed, or a channel lacks its address; or the profile was saved but the channel refused the new address for good, so no code could be sent to it',
      },
      { code: 'TOO_MANY_MESSAGES', when: 'a new address has had its 3 codes for this hour; nothing was saved' },
      { code: 'TRY_AGAIN', when: 'the code could not be sent just now; the profile is saved, and saving it again sends a new code' },
    ],
  },
  'verify-contact': {
    tag: 'profile',
    description:
      'Proves an address saved with `PUT /me` is the customer\'s, with the code sent to it. Each code allows 5 attempts, counted before the code is compared; a new `PUT /me` sends a new code and voids the old one.',
    requestBody: '`channel` names the address (`sms`: the phone, `email`: the email); `code` is the 6-digit code sent to it.',
    success: { status: 200, description: 'The profile, the address now verified.', schema: profile },
    refusals: [
      { code: 'INVALID_VERIFICATION_CODE', when: 'the code is wrong (the attempt is counted)' },
      { code: 'NO_CODE_PENDING', when: 'no code waits for that channel (none was sent, it was used, or the address changed since)' },
      { code: 'CODE_EXPIRED', when: 'the code is older than 15 minutes: save the address again for a new one' },
      { code: 'TOO_MANY_ATTEMPTS', when: '5 attempts were made at this code: save the address again for a new one' },
    ],
  },
  'retrieve-parcel': {
    tag: 'parcels',
    description: `Only the parcel's recipient; anyone else gets a 404. ${afterTheDoorOpens} Wrong codes are counted: the 5th in a row locks the parcel for 15 minutes, during which even the right code gets 429.`,
    success: { status: 202, description: 'The door is opening.', schema: pickupResult },
    refusals: [
      { code: 'INVALID_PICKUP_CODE', when: 'the code is wrong (the attempt is counted)' },
      { code: 'PARCEL_NOT_FOUND', when: 'no such parcel, or not addressed to the caller' },
      {
        code: 'INVALID_STATE',
        when: 'the parcel is not STORED (not yet, as its deposit door has not closed; collected, cancelled or returned), or it is being collected and the code is wrong or its door has already opened; whatever the code, nothing is counted',
      },
      { code: 'PARCEL_EXPIRED', when: 'its pickup window has passed; whatever the code, nothing is counted' },
      { code: 'LOCKER_OFFLINE', when: "the parcel's locker is not connected: its door cannot open now (nothing changed)" },
      { code: 'SLOT_OUT_OF_SERVICE', when: "the parcel's slot is out of service; staff have been alerted" },
      { code: 'DOOR_BUSY', when: "the parcel's door is already executing a command" },
      { code: 'TOO_MANY_ATTEMPTS', when: '5 wrong codes in a row locked the parcel for 15 minutes' },
      { code: 'TRY_AGAIN', when: pickupNotTaken },
    ],
  },
  'reissue-code': {
    tag: 'parcels',
    description:
      "Only the parcel's recipient; anyone else gets a 404. A new code replaces the old one at once (the old one stops working) and is returned to the recipient alone. Only while the parcel is STORED within its pickup window, and at most three times an hour.",
    success: { status: 200, description: 'The new pickup code.', schema: issuedPickupCode },
    refusals: [
      { code: 'PARCEL_NOT_FOUND', when: 'no such parcel, or not addressed to the caller' },
      { code: 'INVALID_STATE', when: 'the parcel is not STORED (not yet stored, being collected, or gone)' },
      { code: 'PARCEL_EXPIRED', when: 'its pickup window has passed' },
      { code: 'TOO_MANY_ATTEMPTS', when: 'three new codes were issued for this parcel within the last hour' },
      { code: 'TRY_AGAIN', when: parcelKeptChanging },
    ],
  },
  'cancel-parcel': {
    tag: 'parcels',
    description:
      'The carrier who stored the parcel, or an admin; for another carrier the parcel is a 404. A DEPOSITING or STORED parcel becomes CANCELLED, the slot is let go (FREE once its door is closed and locked), the pickup code stops working, and a deposit command still under way is withdrawn from the door. A CANCELLED parcel is answered as cancelled again (a repeat after a lost answer is safe).',
    success: { status: 200, description: 'The parcel is cancelled.', schema: cancelledParcel },
    refusals: [
      { code: 'PARCEL_NOT_FOUND', when: 'no such parcel, or not one the caller handles' },
      { code: 'INVALID_STATE', when: 'the parcel is neither DEPOSITING, STORED nor already CANCELLED' },
      { code: 'PARCEL_EXPIRED', when: 'the parcel has expired (return it instead)' },
      { code: 'TRY_AGAIN', when: parcelKeptChanging },
    ],
  },
  'return-parcel': {
    tag: 'parcels',
    description:
      'The carrier who stored the parcel, or an admin; for another carrier the parcel is a 404. EXPIRED becomes RETURNED and the slot is let go. A RETURNED parcel is answered as returned again (a repeat after a lost answer is safe).',
    success: { status: 200, description: 'The parcel is returned.', schema: returnedParcel },
    refusals: [
      { code: 'PARCEL_NOT_FOUND', when: 'no such parcel, or not one the caller handles' },
      {
        code: 'INVALID_STATE',
        when: 'the parcel is neither EXPIRED nor already RETURNED (a STORED parcel is returned only once the expiry sweep has marked it EXPIRED)',
      },
      { code: 'TRY_AGAIN', when: parcelKeptChanging },
    ],
  },
} as const satisfies Record<HttpFunctionName, RouteDocs>;
