import { describe, expect, it } from 'vitest';
import { createMessageLog } from '#infra/local/notify/messages';

describe('the local message log', () => {
  it('lists what was delivered to an address, oldest first, and nothing sent elsewhere', () => {
    // Prepare
    const log = createMessageLog();
    log.record({ channel: 'sms', to: '+48500100200', body: 'first', sentAt: '2030-01-01T00:00:00.000Z' });
    log.record({ channel: 'sms', to: '+48500100999', body: 'someone else', sentAt: '2030-01-01T00:00:01.000Z' });
    log.record({ channel: 'sms', to: '+48500100200', body: 'second', sentAt: '2030-01-01T00:00:02.000Z' });

    // Act
    const delivered = log.to('+48500100200');

    // Assess
    expect(delivered.map((message) => message.body)).toEqual(['first', 'second']);
  });

  it('finds an email whatever the case of the address, and answers it as it was sent', () => {
    // Prepare
    const log = createMessageLog();
    log.record({ channel: 'email', to: 'Ana.Nowak@Example.com', subject: 'Ready', body: 'Code 1234567890', sentAt: '2030-01-01T00:00:00.000Z' });

    // Act
    const delivered = log.to('ana.nowak@example.COM');

    // Assess
    expect(delivered).toEqual([{ channel: 'email', to: 'Ana.Nowak@Example.com', subject: 'Ready', body: 'Code 1234567890', sentAt: '2030-01-01T00:00:00.000Z' }]);
  });

  it('compares phone numbers exactly: another spelling of a number is another address', () => {
    // Prepare
    const log = createMessageLog();
    log.record({ channel: 'sms', to: '+48500100200', body: 'hello', sentAt: '2030-01-01T00:00:00.000Z' });

    // Act
    const delivered = log.to('+48 500 100 200');

    // Assess
    expect(delivered).toEqual([]);
  });

  it('keeps a delivered message as it was when recorded', () => {
    // Prepare
    const log = createMessageLog();
    const message = { channel: 'sms' as const, to: '+48500100200', body: 'original', sentAt: '2030-01-01T00:00:00.000Z' };
    log.record(message);

    // Act
    message.body = 'rewritten';

    // Assess
    expect(log.to('+48500100200').map((delivered) => delivered.body)).toEqual(['original']);
  });
});
