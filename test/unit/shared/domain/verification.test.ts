import { describe, expect, it } from 'vitest';
import type { Contact, Profile } from '#shared/domain/contact';
import { planVerification, quotaWindowOf, verificationMessage } from '#shared/domain/verification';

const contact = (fields: Partial<Contact>): Contact => ({ channels: [], locale: 'en', ...fields });

describe('planVerification', () => {
  it("counts the token's own verified addresses as verified, so they need no code", () => {
    // Act
    const plan = planVerification(undefined, contact({ email: 'ana@example.com', phone: '+447700900123', channels: ['sms', 'email'] }), {
      email: 'ana@example.com',
      phone: '+447700900123',
    });

    // Assess
    expect(plan).toEqual({
      profile: { email: 'ana@example.com', phone: '+447700900123', channels: ['sms', 'email'], locale: 'en', verified: ['sms', 'email'] },
      pending: [],
    });
  });

  it('makes every other new address pending, each with its channel', () => {
    // Act
    const plan = planVerification(undefined, contact({ email: 'other@example.com', phone: '+447700900999' }), { email: 'ana@example.com' });

    // Assess
    expect({ verified: plan.profile.verified, pending: plan.pending }).toEqual({
      verified: [],
      pending: [
        { channel: 'sms', address: '+447700900999' },
        { channel: 'email', address: 'other@example.com' },
      ],
    });
  });

  it('keeps an address verified while it is saved again unchanged, and drops it when it changes', () => {
    // Prepare
    const saved: Profile = { email: 'ana@example.com', phone: '+447700900123', channels: ['sms', 'email'], locale: 'en', verified: ['sms', 'email'] };

    // Act
    const plan = planVerification(saved, contact({ email: 'ana@example.com', phone: '+447700900124' }), {});

    // Assess
    expect({ verified: plan.profile.verified, pending: plan.pending }).toEqual({ verified: ['email'], pending: [{ channel: 'sms', address: '+447700900124' }] });
  });

  it('does not carry a verification from one channel to the same text on another', () => {
    // Prepare: verified as an email, never as a phone.
    const saved: Profile = { email: 'ana@example.com', channels: ['email'], locale: 'en', verified: ['email'] };

    // Act
    const plan = planVerification(saved, contact({ phone: '+447700900123' }), {});

    // Assess
    expect(plan.pending).toEqual([{ channel: 'sms', address: '+447700900123' }]);
  });

  it('has nothing to verify in a profile without an address', () => {
    // Act
    const plan = planVerification(undefined, contact({}), { phone: '+447700900123' });

    // Assess
    expect(plan).toEqual({ profile: { channels: [], locale: 'en', verified: [] }, pending: [] });
  });
});

describe('quotaWindowOf', () => {
  it('puts every instant of one UTC hour in one window, ending at the next hour', () => {
    // Act
    const windows = [quotaWindowOf(new Date('2026-12-08T02:00:00.000Z')), quotaWindowOf(new Date('2026-12-08T02:59:59.999Z'))];

    // Assess
    expect(windows).toEqual([
      { hour: '2026-12-08T02', end: new Date('2026-12-08T03:00:00.000Z') },
      { hour: '2026-12-08T02', end: new Date('2026-12-08T03:00:00.000Z') },
    ]);
    expect(quotaWindowOf(new Date('2026-12-08T03:00:00.000Z')).hour).toBe('2026-12-08T03');
  });
});

describe('verificationMessage', () => {
  it('carries the code in the text, with a subject for email only', () => {
    // Act
    const messages = [verificationMessage('en', 'sms', '204863'), verificationMessage('en', 'email', '204863')];

    // Assess
    expect(messages.map((message) => ({ subject: message.subject, hasCode: message.body.includes('204863') }))).toEqual([
      { subject: undefined, hasCode: true },
      { subject: 'Your verification code', hasCode: true },
    ]);
  });
});
