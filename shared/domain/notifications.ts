import { addressFor, type Channel, type Contact, type ParcelContact } from './contact.ts';
import type { AuditEvent, EventType } from './events.ts';
import type { Location } from './location.ts';
import type { Parcel } from './parcel.ts';
import { alertTemplates, render, type AlertKind, type MessageKind, type MessageVars, type ParcelVars } from './templates.ts';

/**
 * Who hears about each audit event (docs/architecture.md §7). The events are the outbox; the notifier asks
 * these functions what to send and the adapters send it. Three audiences:
 * - the recipient, by SMS and email, on the channels of their contact;
 * - operators, on their own topic: door faults and parcels a faulty door keeps in;
 * - integrators, on `parcel-events`: every parcel event, never a secret.
 * The table is total over `EventType`, so a new event type does not compile until someone decides
 * who hears about it.
 */
interface Route {
  readonly recipient?: MessageKind;
  readonly operators?: AlertKind;
  readonly integrators: boolean;
}

const routes: Record<EventType, Route> = {
  PARCEL_STORED: { recipient: 'READY_FOR_PICKUP', integrators: true },
  PICKUP_CODE_REISSUED: { recipient: 'NEW_CODE', integrators: true },
  PARCEL_REMINDER_DUE: { recipient: 'REMINDER', integrators: true },
  PARCEL_RETRIEVED: { recipient: 'PICKED_UP', integrators: true },
  PARCEL_EXPIRED: { recipient: 'EXPIRED', integrators: true },
  PARCEL_CANCELLED: { recipient: 'CANCELLED', integrators: true },
  PARCEL_RETURNED: { recipient: 'RETURNED', integrators: true },
  // The door steps of a deposit or pickup: integrators follow the parcel; the recipient hears only
  // when it is collectable (PARCEL_STORED) or collected.
  PARCEL_DEPOSITING: { integrators: true },
  PARCEL_MOVED: { integrators: true },
  PARCEL_COLLECTING: { integrators: true },
  // The recipient was never told of a parcel that failed to go in; the carrier still holds it.
  PARCEL_DEPOSIT_FAILED: { operators: 'DEPOSIT_FAILED', integrators: true },
  // The recipient saw the door stay shut at the locker and their code still works.
  PARCEL_PICKUP_FAILED: { operators: 'PICKUP_FAILED', integrators: true },
  // Wrong codes are a security signal, with nothing in them a carrier can act on.
  PICKUP_CODE_REJECTED: { integrators: false },
  SLOT_FAULT: { operators: 'DOOR_FAULT', integrators: false },
  SLOT_RESTORED: { operators: 'SLOT_RESTORED', integrators: false },
  DOOR_OPENED_LATE: { operators: 'DOOR_OPENED_LATE', integrators: false },
  // Presence flaps; an outage is an alarm on how long a locker stays offline, not one mail a flap.
  LOCKER_ONLINE: { integrators: false },
  LOCKER_OFFLINE: { integrators: false },
  DOOR_COMMANDED: { integrators: false },
  DOOR_COMMAND_WITHDRAWN: { integrators: false },
  DOOR_REPORTED: { integrators: false },
  LOCATION_CREATED: { integrators: false },
  LOCKER_ADDED: { integrators: false },
  LOCKER_REMOVED: { integrators: false },
  SLOT_STATUS_CHANGED: { integrators: false },
};

/** What the notifier reads beside the event to write the messages. */
export interface NotificationFacts {
  readonly parcel: Pick<Parcel, 'parcelId' | 'status' | 'lockerId' | 'slotId' | 'carrierId' | 'expiresAt'>;
  readonly location: Pick<Location, 'locationId' | 'name' | 'address'> & { readonly timeZone?: string };
  /** From `contactForParcel`: undefined when nobody can be told. */
  readonly contact?: ParcelContact;
  /** The current pickup code, decrypted only when `needsCode(event.type)`. */
  readonly code?: string;
}

export interface RecipientMessage {
  readonly channel: Channel;
  /** E.164 phone for sms, address for email. */
  readonly to: string;
  readonly subject?: string;
  readonly body: string;
  /** One send per event and channel: the notifier records it with a conditional write. */
  readonly idempotencyKey: string;
}

/** Whether a value names an event type this code knows (the routes are total over them). */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(routes, value);
}

/**
 * Who may hear about an event of this type, known before anything is read: most events (door
 * reports, commands, presence) tell nobody, and the notifier reads nothing for them.
 */
export function audiencesOf(type: EventType): { readonly recipient: boolean; readonly operators: boolean; readonly integrators: boolean } {
  const route = routes[type];
  return { recipient: route.recipient !== undefined, operators: route.operators !== undefined, integrators: route.integrators };
}

/** The events whose message carries the pickup code: only then does the notifier decrypt it. */
export function needsCode(type: EventType): boolean {
  const kind = routes[type].recipient;
  return kind === 'READY_FOR_PICKUP' || kind === 'NEW_CODE';
}

/** A code is sent only while it can still open the door; a late event about an old state sends none. */
function isCollectable(status: Parcel['status']): boolean {
  return status === 'STORED' || status === 'COLLECTING';
}

function parcelVars(facts: NotificationFacts): ParcelVars {
  const { parcel, location } = facts;
  return {
    parcelId: parcel.parcelId,
    locationName: location.name,
    address: location.address,
    lockerId: parcel.lockerId,
    slotId: parcel.slotId,
    ...(parcel.expiresAt ? { deadline: parcel.expiresAt } : {}),
    ...(location.timeZone ? { timeZone: location.timeZone } : {}),
  };
}

/** The variables of one kind of message, or undefined when this message should not be sent. */
function varsFor(kind: MessageKind, facts: NotificationFacts, event?: Pick<AuditEvent, 'at' | 'from'>): MessageVars[MessageKind] | undefined {
  const base = parcelVars(facts);
  switch (kind) {
    case 'READY_FOR_PICKUP':
    case 'NEW_CODE':
    case 'REMINDER': {
      if (!isCollectable(facts.parcel.status)) return undefined;
      if (kind === 'REMINDER') return base.deadline ? { ...base, deadline: base.deadline } : undefined;
      // A collectable parcel always has a code: a missing one is a bug, and failing sends the
      // record to the dead-letter queue and its alarm instead of leaving the recipient untold.
      if (facts.code === undefined) throw new Error(`The pickup code of parcel ${facts.parcel.parcelId} is needed for ${kind}`);
      if (kind === 'NEW_CODE') return { ...base, code: facts.code };
      if (!base.deadline) throw new Error(`Parcel ${facts.parcel.parcelId} is ${facts.parcel.status} without a deadline`);
      return { ...base, code: facts.code, deadline: base.deadline };
    }
    case 'PICKED_UP':
      return event ? { ...base, at: event.at } : undefined;
    case 'CANCELLED':
      // A parcel cancelled before its door closed was never announced to its recipient.
      return event?.from === 'STORED' ? base : undefined;
    default:
      return base;
  }
}

function messagesOf(kind: MessageKind, vars: MessageVars[MessageKind], contact: Contact | undefined, key: string): RecipientMessage[] {
  if (!contact) return [];
  return contact.channels.flatMap((channel) => {
    const to = addressFor(contact, channel);
    if (to === undefined) return [];
    const { subject, body } = render(contact.locale, kind, channel, vars as never);
    return [{ channel, to, ...(subject !== undefined ? { subject } : {}), body, idempotencyKey: `${key}#${channel}` }];
  });
}

/**
 * What a carrier's contact may be sent: the parcel ready, with its code, once per parcel. Nobody
 * verified that address, so it gets no more than a delivery needs; a carrier cancelling and storing
 * again in a loop sends it nothing more per parcel, and the per-destination limit caps the rest.
 */
const toldOnCarriersWord: ReadonlySet<MessageKind> = new Set(['READY_FOR_PICKUP']);

/** Whether a message of this kind may go to a contact from this source. */
export function mayTell(contact: Pick<ParcelContact, 'source'>, kind: MessageKind): boolean {
  return contact.source === 'profile' || toldOnCarriersWord.has(kind);
}

/** The messages an event sends its parcel's recipient, one per channel of their contact. */
export function notificationsFor(event: AuditEvent, facts: NotificationFacts): RecipientMessage[] {
  const kind = routes[event.type].recipient;
  // Nobody to tell: the notifier then decrypts no code, and none is asked for.
  if (!kind || event.parcelId !== facts.parcel.parcelId || !facts.contact || !mayTell(facts.contact, kind)) return [];
  const vars = varsFor(kind, facts, event);
  return vars ? messagesOf(kind, vars, facts.contact, event.eventId) : [];
}

/** Default lead time of the reminder: a day before the pickup window ends. */
export const defaultReminderHours = 24;

/**
 * The longest lead time a location may set: the reminder sweep reads every unreminded STORED parcel
 * whose deadline is this close, so the bound is also the bound on its work.
 */
export const maxReminderHours = 72;

/**
 * When a parcel's reminder is due: `hoursBefore` its deadline. None when the whole window is no
 * longer than that: the ready-for-pickup message, with its deadline, was the reminder.
 */
export function reminderDueAt(parcel: Pick<Parcel, 'expiresAt' | 'pickupWindowHours'>, hoursBefore = defaultReminderHours): Date | undefined {
  if (!parcel.expiresAt || parcel.pickupWindowHours <= hoursBefore) return undefined;
  return new Date(Date.parse(parcel.expiresAt) - hoursBefore * 3_600_000);
}

/** A STORED parcel inside its reminder period and not yet past its deadline. */
export function isReminderDue(
  parcel: Pick<Parcel, 'status' | 'expiresAt' | 'pickupWindowHours'>,
  now: Date,
  hoursBefore = defaultReminderHours,
): boolean {
  const due = reminderDueAt(parcel, hoursBefore);
  return parcel.status === 'STORED' && due !== undefined && due.getTime() <= now.getTime() && now.getTime() < Date.parse(parcel.expiresAt!);
}


/** One alert on the operators' topic. */
export interface OperatorAlert {
  readonly subject: string;
  readonly body: string;
  readonly attributes: { readonly eventType: EventType; readonly locationId: string; readonly alert: AlertKind };
  readonly idempotencyKey: string;
}

/** What an alert may say: where, which parcel, what fault. Never a contact or a code. */
export interface AlertFacts {
  readonly location: Pick<Location, 'locationId' | 'name'>;
}

/** The operators' alert for an event, if it is one they act on. */
export function operatorAlertFor(event: AuditEvent, facts: AlertFacts): OperatorAlert | undefined {
  let kind = routes[event.type].operators;
  if (!kind) return undefined;
  // A fault on a slot that holds a parcel keeps a recipient from it: that is the urgent case.
  if (kind === 'DOOR_FAULT' && event.parcelId !== undefined) kind = 'PARCEL_STUCK';
  const { subject, body } = alertTemplates[kind]({
    locationId: event.locationId,
    locationName: facts.location.name,
    ...(event.lockerId ? { lockerId: event.lockerId } : {}),
    ...(event.slotId ? { slotId: event.slotId } : {}),
    ...(event.parcelId ? { parcelId: event.parcelId } : {}),
    ...(event.fault ? { fault: event.fault } : {}),
    at: event.at,
  });
  return { subject, body, attributes: { eventType: event.type, locationId: event.locationId, alert: kind }, idempotencyKey: `${event.eventId}#operators` };
}

/**
 * One message on `parcel-events`. The body is built from named fields, never by spreading the
 * event or the parcel, so nothing added to either later (a contact, a code, who acted) leaks to
 * integrators by default. The recipient's id stays out too: every subscriber of the topic could
 * read it, whatever their filter policy selects.
 */
export interface IntegratorMessage {
  readonly message: {
    readonly eventId: string;
    readonly eventType: EventType;
    readonly at: string;
    readonly parcelId: string;
    readonly carrierId: string;
    readonly locationId: string;
    readonly lockerId?: string;
    readonly slotId?: string;
    readonly from?: string;
    readonly to?: string;
    readonly expiresAt?: string;
  };
  /** SNS message attributes, for subscription filter policies. */
  readonly attributes: { readonly eventType: EventType; readonly locationId: string; readonly carrierId: string };
  readonly idempotencyKey: string;
}

export interface IntegratorFacts {
  readonly parcel: Pick<Parcel, 'parcelId' | 'carrierId' | 'expiresAt'>;
}

/** The integrators' message for a parcel event; undefined for every other event. */
export function integratorMessageFor(event: AuditEvent, facts: IntegratorFacts): IntegratorMessage | undefined {
  if (!routes[event.type].integrators || event.parcelId === undefined || event.parcelId !== facts.parcel.parcelId) return undefined;
  const { carrierId, expiresAt } = facts.parcel;
  return {
    message: {
      eventId: event.eventId,
      eventType: event.type,
      at: event.at,
      parcelId: event.parcelId,
      carrierId,
      locationId: event.locationId,
      ...(event.lockerId ? { lockerId: event.lockerId } : {}),
      ...(event.slotId ? { slotId: event.slotId } : {}),
      ...(event.from ? { from: event.from } : {}),
      ...(event.to ? { to: event.to } : {}),
      ...(event.type === 'PARCEL_STORED' && expiresAt ? { expiresAt } : {}),
    },
    attributes: { eventType: event.type, locationId: event.locationId, carrierId },
    idempotencyKey: `${event.eventId}#parcel-events`,
  };
}
