import type { Channel, Locale } from './contact.ts';

/**
 * Every text the service sends, in one place, English first. A new locale is one more entry in
 * `recipientTemplates`: the type makes it supply every kind on every channel.
 * The pickup code is a variable of the ready-for-pickup and new-code messages only, so no other
 * template can print it.
 */
export type MessageKind = 'READY_FOR_PICKUP' | 'NEW_CODE' | 'REMINDER' | 'PICKED_UP' | 'EXPIRED' | 'CANCELLED' | 'RETURNED';

/** Where and until when, as every recipient message may say it. */
export interface ParcelVars {
  readonly parcelId: string;
  readonly locationName: string;
  readonly address: string;
  readonly lockerId: string;
  readonly slotId: string;
  /** End of the pickup window, ISO. */
  readonly deadline?: string;
  /** IANA zone the deadline is shown in; UTC (and said so) while locations do not carry one. */
  readonly timeZone?: string;
}

export interface MessageVars {
  READY_FOR_PICKUP: ParcelVars & { readonly code: string; readonly deadline: string };
  NEW_CODE: ParcelVars & { readonly code: string };
  REMINDER: ParcelVars & { readonly deadline: string };
  PICKED_UP: ParcelVars & { readonly at: string };
  EXPIRED: ParcelVars;
  CANCELLED: ParcelVars;
  RETURNED: ParcelVars;
}

export interface Rendered {
  readonly subject?: string;
  readonly body: string;
}

export type Template<K extends MessageKind> = Record<Channel, (vars: MessageVars[K]) => Rendered>;
export type Templates = { readonly [K in MessageKind]: Template<K> };

/** Readable dates in the recipient's language, with the zone named so nobody guesses. */
export function formatTime(locale: Locale, iso: string, timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** SMS keeps the place short so the whole text fits one message; email has room for all of it. */
/** The first text that fits one GSM-7 SMS, else the last (the shortest the caller could write). */
function fittingOneSms(...texts: [string, ...string[]]): string {
  return texts.find((text) => (gsmLength(text) ?? Infinity) <= smsSegmentLimit) ?? texts[texts.length - 1]!;
}

function short(text: string, max = 30): string {
  return text.length <= max ? text : `${text.slice(0, max - 3).trimEnd()}...`;
}

const en: Templates = {
  READY_FOR_PICKUP: {
    sms: (v) => {
      const ready = (where: string) =>
        `Your parcel is ready at ${where}, locker ${v.lockerId} slot ${v.slotId}. Code ${v.code}. Collect by ${formatTime('en', v.deadline, v.timeZone)}.`;
      // The address when it fits one message: a second segment costs as much again, and the email has it.
      return { body: fittingOneSms(ready(`${short(v.locationName)}, ${v.address}`), ready(short(v.locationName))) };
    },
    email: (v) => ({
      subject: `Your parcel is ready for pickup at ${v.locationName}`,
      body: [
        `Your parcel is waiting for you.`,
        ``,
        `Pickup code: ${v.code}`,
        `Where: ${v.locationName}, ${v.address}`,
        `Locker ${v.lockerId}, slot ${v.slotId}`,
        `Collect by: ${formatTime('en', v.deadline, v.timeZone)}`,
        ``,
        `Type the code on the locker's screen or use the app. Keep the code to yourself: anyone who has it can collect the parcel.`,
        `Parcel reference: ${v.parcelId}`,
      ].join('\n'),
    }),
  },
  NEW_CODE: {
    sms: (v) => ({ body: `New pickup code for your parcel at ${short(v.locationName)}: ${v.code}. The old code no longer works.` }),
    email: (v) => ({
      subject: `Your new pickup code for ${v.locationName}`,
      body: [
        `A new pickup code was issued for your parcel. The old code no longer works.`,
        ``,
        `Pickup code: ${v.code}`,
        `Where: ${v.locationName}, ${v.address}`,
        `Locker ${v.lockerId}, slot ${v.slotId}`,
        ...(v.deadline ? [`Collect by: ${formatTime('en', v.deadline, v.timeZone)}`] : []),
        ``,
        `If you did not ask for a new code, contact support.`,
        `Parcel reference: ${v.parcelId}`,
      ].join('\n'),
    }),
  },
  REMINDER: {
    sms: (v) => ({
      body: `Reminder: your parcel at ${short(v.locationName)} must be collected by ${formatTime('en', v.deadline, v.timeZone)}. Lost the code? Get a new one in the app.`,
    }),
    email: (v) => ({
      subject: `Reminder: collect your parcel from ${v.locationName}`,
      body: [
        `Your parcel is still waiting for you and must be collected by ${formatTime('en', v.deadline, v.timeZone)}.`,
        ``,
        `Where: ${v.locationName}, ${v.address}`,
        `Locker ${v.lockerId}, slot ${v.slotId}`,
        ``,
        `Use the pickup code we sent you. Lost it? You can have a new one issued in the app.`,
        `After the deadline the parcel goes back to the sender.`,
        `Parcel reference: ${v.parcelId}`,
      ].join('\n'),
    }),
  },
  PICKED_UP: {
    sms: (v) => ({ body: `Your parcel was collected from ${short(v.locationName)} on ${formatTime('en', v.at, v.timeZone)}. Not you? Contact support.` }),
    email: (v) => ({
      subject: `Your parcel was collected from ${v.locationName}`,
      body: [
        `Your parcel was collected from ${v.locationName}, ${v.address} on ${formatTime('en', v.at, v.timeZone)}.`,
        ``,
        `If this was not you, contact support at once.`,
        `Parcel reference: ${v.parcelId}`,
      ].join('\n'),
    }),
  },
  EXPIRED: {
    sms: (v) => ({ body: `Your parcel at ${short(v.locationName)} was not collected in time and will go back to the sender. Contact the sender to get it.` }),
    email: (v) => ({
      subject: `Your parcel at ${v.locationName} was not collected in time`,
      body: [
        `The pickup window for your parcel at ${v.locationName}, ${v.address} has ended, and its pickup code no longer works.`,
        ``,
        `The carrier will collect it and return it to the sender. To get it, contact the sender.`,
        `Parcel reference: ${v.parcelId}`,
      ].join('\n'),
    }),
  },
  CANCELLED: {
    sms: (v) => ({ body: `Your parcel at ${short(v.locationName)} was cancelled by the carrier and can no longer be collected there.` }),
    email: (v) => ({
      subject: `Your parcel at ${v.locationName} was cancelled`,
      body: [
        `The carrier cancelled the delivery of your parcel to ${v.locationName}, ${v.address}. Its pickup code no longer works.`,
        ``,
        `The carrier or the sender can tell you what happens next.`,
        `Parcel reference: ${v.parcelId}`,
      ].join('\n'),
    }),
  },
  RETURNED: {
    sms: (v) => ({ body: `Your uncollected parcel has left ${short(v.locationName)} and is on its way back to the sender.` }),
    email: (v) => ({
      subject: `Your parcel is going back to the sender`,
      body: [
        `The carrier has taken your uncollected parcel from ${v.locationName}, ${v.address}, and is returning it to the sender.`,
        ``,
        `To get it, contact the sender.`,
        `Parcel reference: ${v.parcelId}`,
      ].join('\n'),
    }),
  },
};

export const recipientTemplates: Readonly<Record<Locale, Templates>> = { en };

export function render<K extends MessageKind>(locale: Locale, kind: K, channel: Channel, vars: MessageVars[K]): Rendered {
  const template = recipientTemplates[locale][kind] as Template<K>;
  return template[channel](vars);
}

/** Alerts for the operators' topic, in the service's language (English): operators share one topic. */
export type AlertKind = 'DOOR_FAULT' | 'PARCEL_STUCK' | 'PICKUP_FAILED' | 'DEPOSIT_FAILED' | 'DOOR_OPENED_LATE' | 'SLOT_RESTORED';

export interface AlertVars {
  readonly locationId: string;
  readonly locationName: string;
  readonly lockerId?: string;
  readonly slotId?: string;
  readonly parcelId?: string;
  readonly fault?: string;
  readonly at: string;
}

/** SNS takes a subject of at most 100 printable ASCII characters, without line breaks. */
export const snsSubjectLimit = 100;

function place(v: AlertVars): string {
  const where = v.lockerId ? ` locker ${v.lockerId}${v.slotId ? ` slot ${v.slotId}` : ''}` : '';
  return `${v.locationName} (${v.locationId})${where}`;
}

function details(v: AlertVars, lines: string[]): string {
  return [
    ...lines,
    ``,
    `Location: ${v.locationName} (${v.locationId})`,
    ...(v.lockerId ? [`Locker: ${v.lockerId}`] : []),
    ...(v.slotId ? [`Slot: ${v.slotId}`] : []),
    ...(v.parcelId ? [`Parcel: ${v.parcelId}`] : []),
    ...(v.fault ? [`Fault: ${v.fault}`] : []),
    `At: ${v.at}`,
  ].join('\n');
}

/** Subjects carry only the kind and the ids, which are ASCII by their schema; names go in the body. */
export const alertTemplates: { readonly [K in AlertKind]: (vars: AlertVars) => Required<Rendered> } = {
  DOOR_FAULT: (v) => ({
    subject: `Door fault ${v.fault ?? ''} at ${v.locationId}/${v.lockerId ?? '-'}/${v.slotId ?? '-'}`,
    body: details(v, [`The slot at ${place(v)} is out of service: ${v.fault ?? 'fault'}. It takes no new parcels until it is restored.`]),
  }),
  PARCEL_STUCK: (v) => ({
    subject: `Parcel stuck behind a faulty door at ${v.locationId}/${v.lockerId ?? '-'}/${v.slotId ?? '-'}`,
    body: details(v, [
      `A parcel is inside the slot at ${place(v)}, whose door is out of service (${v.fault ?? 'fault'}).`,
      `Its recipient cannot collect it until someone frees the door.`,
    ]),
  }),
  PICKUP_FAILED: (v) => ({
    subject: `Pickup failed at ${v.locationId}/${v.lockerId ?? '-'}/${v.slotId ?? '-'}`,
    body: details(v, [
      `A door did not open for a pickup at ${place(v)}${v.fault ? ` (${v.fault})` : ''}.`,
      `The parcel is still inside and its code still works; the recipient may be waiting at the locker.`,
    ]),
  }),
  DEPOSIT_FAILED: (v) => ({
    subject: `Deposit failed at ${v.locationId}`,
    body: details(v, [`No door opened for a deposit at ${place(v)} after moving the parcel to other slots. The carrier still holds it.`]),
  }),
  DOOR_OPENED_LATE: (v) => ({
    subject: `Door opened after its command ended at ${v.locationId}/${v.lockerId ?? '-'}/${v.slotId ?? '-'}`,
    body: details(v, [`The door at ${place(v)} opened after its command had ended. Check the slot's contents.`]),
  }),
  SLOT_RESTORED: (v) => ({
    subject: `Slot back in service at ${v.locationId}/${v.lockerId ?? '-'}/${v.slotId ?? '-'}`,
    body: details(v, [`The slot at ${place(v)} is back in service${v.fault ? ` (was ${v.fault})` : ''}.`]),
  }),
};

/**
 * GSM 03.38: the basic set costs one septet, the extension set two (escape + character).
 * Anything else forces UCS-2, where one SMS holds 70 characters instead of 160.
 */
const gsmBasic =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const gsmExtension = '^{}\\[~]|€\f';

/** Septets the text takes in GSM-7. @returns undefined when it cannot be sent in GSM-7 at all. */
export function gsmLength(text: string): number | undefined {
  let length = 0;
  for (const char of text) {
    if (gsmBasic.includes(char)) length += 1;
    else if (gsmExtension.includes(char)) length += 2;
    else return undefined;
  }
  return length;
}

/** What one SMS holds in GSM-7. */
export const smsSegmentLimit = 160;
