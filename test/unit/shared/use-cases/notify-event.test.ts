import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CryptoPickupCodeVault } from '#shared/adapters/pickup-code-vault';
import type { Profile } from '#shared/domain/contact';
import { quotaWindowOf } from '#shared/domain/verification';
import { UndeliverableError } from '#shared/domain/errors';
import type { AuditEvent } from '#shared/domain/events';
import type { Location } from '#shared/domain/location';
import type { SendLease, SentLog, StoredParcel } from '#shared/ports';
import { notifyEvent, type NotifyDeps } from '#shared/use-cases/notify-event';
import { CountingMetrics, ManualClock, RecordingLogger } from '../../../helpers/deps.ts';
import { MemoryDestinationQuota, RecordingNotifier } from '../../../helpers/notify.ts';

const code = '4815162342';
const vault = new CryptoPickupCodeVault('unit-test-secret-0123456789abcdef0123');
const location: Location = { locationId: 'loc-1', name: 'Central Station', address: '1 Station Road', pickupWindowHours: 72, createdAt: '2026-11-01T00:00:00.000Z' };
const profile: Profile = { email: 'ana@example.com', phone: '+447700900123', channels: ['sms', 'email'], locale: 'en', verified: ['sms', 'email'] };
const parcel: StoredParcel = {
  parcelId: 'p-1',
  locationId: 'loc-1',
  lockerId: 'A',
  slotId: '02',
  slotSize: 'M',
  size: 'M',
  recipientId: 'customer-1',
  carrierId: 'carrier-1',
  status: 'STORED',
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:10.000Z',
  pickupWindowHours: 72,
  expiresAt: '2026-11-25T10:00:10.000Z',
  failedAttempts: 0,
  version: 3,
  sealedPickupCode: vault.seal(code),
};
const stored: AuditEvent = {
  eventId: 'evt-1',
  type: 'PARCEL_STORED',
  at: '2026-11-22T10:00:10.000Z',
  actor: { sub: 'system', role: 'system' },
  locationId: 'loc-1',
  lockerId: 'A',
  slotId: '02',
  parcelId: 'p-1',
  from: 'DEPOSITING',
  to: 'STORED',
};

/** The sent log's rules in memory: a key is settled once, and given back only by its lease. */
class MemorySentLog implements SentLog {
  readonly keys = new Map<string, 'SENDING' | 'SENT' | 'UNDELIVERABLE'>();
  async begin(key: string): Promise<SendLease | undefined> {
    if (this.keys.has(key)) return undefined;
    this.keys.set(key, 'SENDING');
    return {
      sent: async () => void this.keys.set(key, 'SENT'),
      undeliverable: async () => void this.keys.set(key, 'UNDELIVERABLE'),
      release: async () => void this.keys.delete(key),
    };
  }
}

let sends: RecordingNotifier;
let sent: MemorySentLog;
let metrics: CountingMetrics;
let quota: MemoryDestinationQuota;
let logger: RecordingLogger;
const opened = vi.fn((sealed: string) => vault.open(sealed));

function depsWith(overrides: { parcel?: StoredParcel | undefined; profile?: Profile | undefined; limit?: number } = {}): NotifyDeps {
  const current = 'parcel' in overrides ? overrides.parcel : parcel;
  const saved = 'profile' in overrides ? overrides.profile : profile;
  return {
    parcels: { get: async (id: string) => (current?.parcelId === id ? current : undefined) } as unknown as NotifyDeps['parcels'],
    locations: { get: async (id: string) => (id === location.locationId ? location : undefined) } as unknown as NotifyDeps['locations'],
    profiles: { get: async (sub: string) => (sub === 'customer-1' ? saved : undefined) } as unknown as NotifyDeps['profiles'],
    sent,
    quota,
    messagesPerDestinationHour: overrides.limit ?? 10,
    vault: {
      ...vault,
      hash: vault.hash.bind(vault),
      matches: vault.matches.bind(vault),
      seal: vault.seal.bind(vault),
      open: opened,
      destinationKey: vault.destinationKey.bind(vault),
    },
    notifier: sends,
    publisher: sends,
    clock: new ManualClock(new Date('2026-11-22T10:00:11.000Z')),
    metrics,
    logger,
  };
}

beforeEach(() => {
  sends = new RecordingNotifier();
  sent = new MemorySentLog();
  metrics = new CountingMetrics();
  quota = new MemoryDestinationQuota();
  logger = new RecordingLogger();
  opened.mockClear();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('notifyEvent', () => {
  it("tells the recipient on each channel of their profile with the code, and integrators without it", async () => {
    // Act
    const outcome = await notifyEvent(depsWith(), stored);

    // Assess
    expect(outcome).toEqual({ sent: 3, 'settled-before': 0, undeliverable: 0, limited: 0 });
    expect(sends.sent.map(({ channel, to }) => ({ channel, to }))).toEqual([
      { channel: 'sms', to: '+447700900123' },
      { channel: 'email', to: 'ana@example.com' },
    ]);
    expect(sends.sent.every((message) => message.body.includes(code))).toBe(true);
    expect(sends.parcelEvents.map((message) => message.idempotencyKey)).toEqual(['evt-1#parcel-events']);
    expect(JSON.stringify(sends.parcelEvents)).not.toContain(code);
  });

  it('sends nothing twice when the same event comes again', async () => {
    // Prepare
    await notifyEvent(depsWith(), stored);

    // Act
    const outcome = await notifyEvent(depsWith(), stored);

    // Assess
    expect(outcome).toEqual({ sent: 0, 'settled-before': 3, undeliverable: 0, limited: 0 });
    expect({ messages: sends.sent.length, events: sends.parcelEvents.length }).toEqual({ messages: 2, events: 1 });
  });

  it('sends no code for a parcel collected before its "ready" event arrived, and decrypts none', async () => {
    // Prepare
    const collected = { ...parcel, status: 'RETRIEVED' as const, sealedPickupCode: undefined };

    // Act
    await notifyEvent(depsWith({ parcel: collected }), stored);

    // Assess
    expect({ messages: sends.sent, opened: opened.mock.calls.length, events: sends.parcelEvents.length }).toEqual({ messages: [], opened: 0, events: 1 });
  });

  it('uses the contact the carrier gave when the recipient has no profile', async () => {
    // Prepare
    const given = { ...parcel, recipientContact: { phone: '+15555550100' } };

    // Act
    await notifyEvent(depsWith({ parcel: given, profile: undefined }), stored);

    // Assess
    expect(sends.sent.map(({ channel, to }) => ({ channel, to }))).toEqual([{ channel: 'sms', to: '+15555550100' }]);
  });

  it('reads nothing and sends nothing for an event that tells nobody', async () => {
    // Prepare
    const report: AuditEvent = { ...stored, eventId: 'evt-2', type: 'DOOR_REPORTED', parcelId: undefined };
    const deps = depsWith();
    const reads = vi.spyOn(deps.locations, 'get');

    // Act
    const outcome = await notifyEvent(deps, report);

    // Assess
    expect({ outcome, reads: reads.mock.calls.length }).toEqual({ outcome: { sent: 0, 'settled-before': 0, undeliverable: 0, limited: 0 }, reads: 0 });
  });

  it('alerts operators to a slot fault, without any code or contact', async () => {
    // Prepare
    const fault: AuditEvent = { ...stored, eventId: 'evt-3', type: 'SLOT_FAULT', fault: 'JAMMED', from: undefined, to: undefined };

    // Act
    await notifyEvent(depsWith(), fault);

    // Assess
    expect(sends.alerts.map((alert) => ({ key: alert.idempotencyKey, kind: alert.attributes.alert }))).toEqual([{ key: 'evt-3#operators', kind: 'PARCEL_STUCK' }]);
    expect(JSON.stringify(sends.alerts)).not.toMatch(new RegExp(`${code}|ana@example.com|\\+447700900123`));
  });

  it('fails the event when a send fails, giving its key back, and sends only that one on the next delivery', async () => {
    // Prepare
    vi.spyOn(sends, 'sms').mockRejectedValueOnce(Object.assign(new Error('Injected send failure'), { name: 'ServiceUnavailable' }));

    // Act
    const first = notifyEvent(depsWith(), stored);

    // Assess
    await expect(first).rejects.toThrow('Injected send failure');
    expect([...sent.keys.entries()]).toEqual([
      ['evt-1#email', 'SENT'],
      ['evt-1#parcel-events', 'SENT'],
    ]);
    await expect(notifyEvent(depsWith(), stored)).resolves.toEqual({ sent: 1, 'settled-before': 2, undeliverable: 0, limited: 0 });
    expect(sends.sent.map((message) => message.channel).sort()).toEqual(['email', 'sms']);
  });

  it('records a message refused for good as undeliverable and counts it, instead of failing the event', async () => {
    // Prepare
    const deps = depsWith();
    vi.spyOn(sends, 'sms').mockRejectedValueOnce(new UndeliverableError('InvalidParameterException'));

    // Act
    const outcome = await notifyEvent(deps, stored);

    // Assess
    expect(outcome).toEqual({ sent: 2, 'settled-before': 0, undeliverable: 1, limited: 0 });
    expect({ key: sent.keys.get('evt-1#sms'), counted: metrics.counts.get('NotificationUndeliverable') }).toEqual({ key: 'UNDELIVERABLE', counted: 1 });
  });

  it("records a message past its destination's hourly limit as unsent and counts it, without failing the event or limiting integrators", async () => {
    // Prepare: the phone has had its one message this hour; the email has not.
    await quota.reserve(vault.destinationKey('sms', '+447700900123'), quotaWindowOf(new Date('2026-11-22T10:00:11.000Z')), 1, 'messages');

    // Act
    const outcome = await notifyEvent(depsWith({ limit: 1 }), stored);

    // Assess
    expect(outcome).toEqual({ sent: 2, 'settled-before': 0, undeliverable: 0, limited: 1 });
    expect(sends.sent.map((message) => message.channel)).toEqual(['email']);
    expect(sends.parcelEvents).toHaveLength(1);
    expect({ key: sent.keys.get('evt-1#sms'), counted: metrics.counts.get('NotificationLimited') }).toEqual({ key: 'UNDELIVERABLE', counted: 1 });
  });

  it("tells a profile's address nothing until it is verified", async () => {
    // Prepare: a phone typed into /me, its code never entered.
    const unverified: Profile = { ...profile, verified: ['email'] };

    // Act
    await notifyEvent(depsWith({ profile: unverified }), stored);

    // Assess
    expect(sends.sent.map(({ channel, to }) => ({ channel, to }))).toEqual([{ channel: 'email', to: 'ana@example.com' }]);
  });

  it("tells the carrier's contact nothing but that the parcel is ready", async () => {
    // Prepare
    const given = { ...parcel, status: 'CANCELLED' as const, recipientContact: { phone: '+15555550100' } };
    const cancelled: AuditEvent = { ...stored, eventId: 'evt-4', type: 'PARCEL_CANCELLED', from: 'STORED', to: 'CANCELLED' };

    // Act
    const outcome = await notifyEvent(depsWith({ parcel: given, profile: undefined }), cancelled);

    // Assess
    expect({ outcome, messages: sends.sent }).toEqual({ outcome: { sent: 1, 'settled-before': 0, undeliverable: 0, limited: 0 }, messages: [] });
  });

  it('fails an event whose parcel does not exist, so its record ends in the dead-letter queue', async () => {
    // Act
    const notifying = notifyEvent(depsWith({ parcel: undefined }), stored);

    // Assess
    await expect(notifying).rejects.toThrow('Parcel p-1 of event evt-1 does not exist');
  });

  it('never logs the code, an address or a message, whatever happens', async () => {
    // Prepare
    vi.spyOn(sends, 'email').mockRejectedValueOnce(new UndeliverableError('MessageRejected'));
    sends.failNext(1);

    // Act
    await notifyEvent(depsWith(), stored).catch(() => undefined);
    await notifyEvent(depsWith(), stored);

    // Assess
    const text = JSON.stringify(logger.entries);
    expect(logger.entries.length).toBeGreaterThan(0);
    expect(text).not.toMatch(new RegExp(`${code}|ana@example\\.com|\\+447700900123|Central Station|1 Station Road`));
  });
});
