import { contactForParcel } from '#shared/domain/contact';
import type { AuditEvent } from '#shared/domain/events';
import { audiencesOf, integratorMessageFor, needsCode, notificationsFor, operatorAlertFor, type RecipientMessage } from '#shared/domain/notifications';
import type { Deps } from './deps.ts';
import { errorName } from './support/doors.ts';
import { sendOnce, type SendOutcome } from './support/send-once.ts';

export type NotifyDeps = Pick<
  Deps,
  'parcels' | 'locations' | 'profiles' | 'sent' | 'quota' | 'messagesPerDestinationHour' | 'vault' | 'notifier' | 'publisher' | 'clock' | 'metrics' | 'logger'
>;

/** How many of an event's messages went out now, had gone out before (a redelivery), were refused for good, or by their destination's limit. */
export type NotifyOutcome = Readonly<Record<SendOutcome, number>>;

/**
 * Primary course (one audit event, as the table's stream delivers it):
 * 1. From the event's type, decide who may hear of it; most events (door reports, commands,
 *    presence) tell nobody and read nothing.
 * 2. Read what the messages say: the parcel as it is now, so a parcel collected before its
 *    "ready" record arrived gets no code; its location; for the recipient's messages, their profile
 *    and from it whom to tell (the profile, else the carrier's contact). Decrypt the pickup code
 *    only for the events whose message carries it.
 * 3. Let the domain write the recipient's messages (one per channel), the integrators' message
 *    (never a secret) and the operators' alert.
 * 4. Send each at most once, under its own key in the sent log, all at once; an SMS or email only
 *    within its destination's hourly limit (integrators' and operators' topics have none). When a
 *    send fails the others still go, and the event fails so that its record is delivered again;
 *    what was sent is not sent twice.
 * A parcel or location the event names but the table lacks is a bug, not a passing fault: the event
 * fails every time, and its record ends in the dead-letter queue with its alarm.
 * The code, the addresses and the messages' text never reach a log.
 */
export async function notifyEvent(deps: NotifyDeps, event: AuditEvent): Promise<NotifyOutcome> {
  const audiences = audiencesOf(event.type);
  const sends: { key: string; what: Record<string, string>; send: () => Promise<void>; limit?: { destinationKey: string } }[] = [];

  if (event.parcelId === undefined) {
    if (audiences.operators) {
      const location = await locationOf(deps, event);
      const alert = operatorAlertFor(event, { location });
      if (alert) sends.push({ key: alert.idempotencyKey, what: { audience: 'operators' }, send: () => deps.publisher.operatorAlert(alert) });
    }
  } else if (audiences.recipient || audiences.operators || audiences.integrators) {
    const parcel = await deps.parcels.get(event.parcelId);
    if (parcel === undefined) throw new Error(`Parcel ${event.parcelId} of event ${event.eventId} does not exist`);
    const needsLocation = audiences.recipient || audiences.operators;
    const location = needsLocation ? await locationOf(deps, event) : undefined;

    if (audiences.recipient && location !== undefined) {
      const contact = contactForParcel(await deps.profiles.get(parcel.recipientId), parcel.recipientContact);
      const code = contact !== undefined && needsCode(event.type) && parcel.sealedPickupCode !== undefined ? deps.vault.open(parcel.sealedPickupCode) : undefined;
      const messages = notificationsFor(event, {
        parcel,
        location,
        ...(contact !== undefined ? { contact } : {}),
        ...(code !== undefined ? { code } : {}),
      });
      for (const message of messages) {
        sends.push({
          key: message.idempotencyKey,
          what: { audience: 'recipient', channel: message.channel },
          send: () => deliver(deps, message),
          limit: { destinationKey: deps.vault.destinationKey(message.channel, message.to) },
        });
      }
    }
    const published = integratorMessageFor(event, { parcel });
    if (published) sends.push({ key: published.idempotencyKey, what: { audience: 'integrators' }, send: () => deps.publisher.parcelEvent(published) });
    if (audiences.operators && location !== undefined) {
      const alert = operatorAlertFor(event, { location });
      if (alert) sends.push({ key: alert.idempotencyKey, what: { audience: 'operators' }, send: () => deps.publisher.operatorAlert(alert) });
    }
  }

  const results = await Promise.allSettled(sends.map(({ key, what, send, limit }) => sendOnce(deps, key, what, send, limit)));
  const outcome: Record<SendOutcome, number> = { sent: 0, 'settled-before': 0, undeliverable: 0, limited: 0 };
  const failures: unknown[] = [];
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') outcome[result.value] += 1;
    else {
      failures.push(result.reason);
      deps.logger.warn('A message could not be sent; its event will be tried again', { key: sends[index]!.key, ...sends[index]!.what, error: errorName(result.reason) });
    }
  });
  if (failures.length > 0) throw failures[0];
  return outcome;
}

async function locationOf(deps: Pick<Deps, 'locations'>, event: AuditEvent) {
  const location = await deps.locations.get(event.locationId);
  if (location === undefined) throw new Error(`Location ${event.locationId} of event ${event.eventId} does not exist`);
  return location;
}

function deliver(deps: Pick<Deps, 'notifier'>, message: RecipientMessage): Promise<void> {
  return message.channel === 'sms' ? deps.notifier.sms(message.to, message.body) : deps.notifier.email(message.to, message.subject ?? '', message.body);
}
