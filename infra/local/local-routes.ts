import { z } from 'zod';
import { issueToken, tokenRequestSchema } from './auth.ts';
import type { DeadLetter } from './lambda-event-source-mapping/mapping.ts';
import type { SimulatedDoor, SimulatedLocker } from './iot/simulated-locker.ts';
import type { DeliveredMessage, MessageLog } from './notify/messages.ts';

/**
 * The `/_local/…` routes: what a developer needs from the local stack that AWS has elsewhere (a
 * token from the user pool, time passing, the schedule firing, a locker's door misbehaving or its
 * network going away, the phone and inbox that receive the service's SMS and emails, the dead-letter
 * queue of the table stream's trigger). They exist only locally.
 */
export type LocalRoutes = (method: string, path: string, body: string | null, rawQuery: string) => Promise<unknown>;

export class LocalRouteError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: readonly { path: string; message: string }[],
  ) {
    super(message);
  }
}

export interface LocalControls {
  /** Moves the service clock forward, for every function, and returns the new time. */
  advanceClock(milliseconds: number): Date;
  /** Runs every scheduled function once and merges what they returned. */
  runSchedules(): Promise<unknown>;
  /** The simulated locker of each locker in the table (the local stack's fleet). */
  readonly lockers: { get(locationId: string, lockerId: string): SimulatedLocker | undefined };
  /** The SMS and emails the local SNS and SES delivered; omitted, `GET /_local/messages` answers 404. */
  readonly messages?: Pick<MessageLog, 'to'>;
  /** The stream batches given up on, as Lambda's on-failure destination gets them; omitted, `GET /_local/dead-letters` answers 404. */
  readonly deadLetters?: () => readonly DeadLetter[];
}

const clockRequestSchema = z.strictObject({
  // Forward only: nothing moves a deployed service's clock backwards either.
  advanceHours: z.number().positive().max(24 * 366),
});

const doorRequestSchema = z
  .strictObject({
    fault: z.enum(['JAMMED', 'LEFT_OPEN']).nullable().optional(),
    action: z.enum(['CLOSE', 'FORCE_OPEN']).optional(),
  })
  .refine((request) => (request.fault === undefined) !== (request.action === undefined), {
    message: 'Give either "fault" or "action"',
  });

const lockerRequestSchema = z.strictObject({ online: z.boolean() });

const lockerPath = /^\/_local\/lockers\/([^/]+)\/([^/]+)$/;
const doorPath = /^\/_local\/lockers\/([^/]+)\/([^/]+)\/doors\/([^/]+)$/;

/** A simulated locker as the `/_local/lockers` routes answer. */
export interface SimulatedLockerState {
  readonly locationId: string;
  readonly lockerId: string;
  readonly thingName: string;
  readonly online: boolean;
  readonly doors: readonly SimulatedDoor[];
}

export type SimulatedDoorState = SimulatedDoor & Pick<SimulatedLockerState, 'locationId' | 'lockerId' | 'thingName' | 'online'>;

export function localRoutes(controls: LocalControls): LocalRoutes {
  return async (method, path, body, rawQuery) => {
    const route = `${method} ${path}`;
    if (route === 'GET /_local/messages' && controls.messages !== undefined) {
      const to = queryValue(rawQuery, 'to');
      if (to === undefined || to === '') {
        throw new LocalRouteError(400, 'VALIDATION_ERROR', 'Give the address to read: ?to=<email or E.164 phone>', [{ path: 'to', message: 'required' }]);
      }
      return { items: controls.messages.to(to).map(messageItem) };
    }
    if (route === 'GET /_local/dead-letters' && controls.deadLetters !== undefined) return { items: controls.deadLetters() };
    if (route === 'POST /_local/token') return { token: await issueToken(parseBody(body, tokenRequestSchema)) };
    if (route === 'POST /_local/clock') {
      const { advanceHours } = parseBody(body, clockRequestSchema);
      return { now: controls.advanceClock(advanceHours * 3_600_000).toISOString() };
    }
    if (route === 'POST /_local/sweep') return controls.runSchedules();

    const door = method === 'POST' ? doorPath.exec(path) : null;
    if (door) {
      const request = parseBody(body, doorRequestSchema);
      const [locationId, lockerId, slotId] = [door[1], door[2], door[3]].map((segment) => decodePathSegment(segment!)) as [string, string, string];
      const locker = findLocker(controls, locationId, lockerId);
      if (!locker.hasDoor(slotId)) throw new LocalRouteError(404, 'SLOT_NOT_FOUND', `Locker ${locationId}/${lockerId} has no slot ${slotId}`);
      if (request.fault !== undefined) locker.setFault(slotId, request.fault);
      else if (request.action === 'CLOSE') locker.closeDoor(slotId);
      else locker.forceOpen(slotId);
      return doorState(locker, locationId, lockerId, slotId);
    }
    const lockerMatch = method === 'POST' ? lockerPath.exec(path) : null;
    if (lockerMatch) {
      const { online } = parseBody(body, lockerRequestSchema);
      const [locationId, lockerId] = [decodePathSegment(lockerMatch[1]!), decodePathSegment(lockerMatch[2]!)];
      const locker = findLocker(controls, locationId, lockerId);
      if (online) await locker.comeBack();
      else await locker.goOffline();
      return lockerState(locker, locationId, lockerId);
    }
    throw new LocalRouteError(404, 'NOT_FOUND', `No route for ${route}`);
  };
}

function findLocker(controls: LocalControls, locationId: string, lockerId: string): SimulatedLocker {
  const locker = controls.lockers.get(locationId, lockerId);
  if (locker === undefined) {
    // The fleet reads the table every half second: a locker added a moment ago may not run yet.
    throw new LocalRouteError(404, 'LOCKER_NOT_FOUND', `No simulated locker ${locationId}/${lockerId} (lockers added through the API start within 2 s)`);
  }
  return locker;
}

function lockerState(locker: SimulatedLocker, locationId: string, lockerId: string): SimulatedLockerState {
  return {
    locationId,
    lockerId,
    thingName: locker.thingName,
    online: locker.online,
    doors: locker.slotIds.map((slotId) => locker.describeDoor(slotId)),
  };
}

function doorState(locker: SimulatedLocker, locationId: string, lockerId: string, slotId: string): SimulatedDoorState {
  return { locationId, lockerId, thingName: locker.thingName, online: locker.online, ...locker.describeDoor(slotId) };
}

/** A delivered message as `GET /_local/messages` lists it: the documented fields, in that order. */
function messageItem(message: DeliveredMessage): DeliveredMessage {
  const { channel, to, subject, body, sentAt } = message;
  return { channel, to, ...(subject === undefined ? {} : { subject }), body, sentAt };
}

/**
 * The last value of a query parameter. A `+` stays a `+` (as API Gateway leaves it), not the space
 * of form encoding: phone numbers start with one, a developer types `?to=+4915…` into curl unencoded,
 * and no address contains a space. `%2B` decodes to `+` as well.
 */
function queryValue(rawQuery: string, name: string): string | undefined {
  let value: string | undefined;
  for (const pair of rawQuery.split('&')) {
    const separator = pair.indexOf('=');
    const [key, raw] = separator === -1 ? [pair, ''] : [pair.slice(0, separator), pair.slice(separator + 1)];
    if (decodeQueryPart(key) === name) value = decodeQueryPart(raw);
  }
  return value;
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new LocalRouteError(400, 'VALIDATION_ERROR', 'The query string is not valid', [{ path: '', message: `cannot decode "${part}"` }]);
  }
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new LocalRouteError(400, 'VALIDATION_ERROR', 'The path is not valid', [{ path: '', message: `cannot decode "${segment}"` }]);
  }
}

function parseBody<T extends z.ZodType>(body: string | null, schema: T): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    throw new LocalRouteError(400, 'VALIDATION_ERROR', 'Request body is not valid JSON', [{ path: '', message: 'invalid JSON' }]);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw new LocalRouteError(400, 'VALIDATION_ERROR', 'Request body is invalid', details);
  }
  return parsed.data;
}
