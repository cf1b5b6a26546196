/**
 * What the local SNS and SES stand-ins delivered: the phone and the inbox a developer does not have.
 * `GET /_local/messages?to=` reads it, so an end-to-end test can see the SMS or email a person would.
 * In memory on purpose: a restarted stack has sent nothing yet, as a fresh phone has received nothing.
 */
export interface DeliveredMessage {
  readonly channel: 'sms' | 'email';
  /** An E.164 phone number for SMS, an email address for email. */
  readonly to: string;
  /** Emails have one; SMS have none. */
  readonly subject?: string;
  readonly body: string;
  /** ISO 8601, in the service's time (the local clock can be moved forward), not the wall clock. */
  readonly sentAt: string;
}

export interface MessageLog {
  record(message: DeliveredMessage): void;
  /** Everything delivered to `address`, oldest first. */
  to(address: string): readonly DeliveredMessage[];
}

export function createMessageLog(): MessageLog {
  const byAddress = new Map<string, DeliveredMessage[]>();
  return {
    record(message) {
      const key = addressKey(message.to);
      const delivered = byAddress.get(key) ?? [];
      // Copied so that a caller mutating its object afterwards cannot rewrite what was delivered.
      delivered.push({ ...message });
      byAddress.set(key, delivered);
    },
    to(address) {
      return [...(byAddress.get(addressKey(address)) ?? [])];
    },
  };
}

/**
 * Mailbox providers treat email addresses case-insensitively (RFC 5321 allows a case-sensitive local
 * part, but nobody delivers that way), so `Ana@Example.com` and `ana@example.com` share an inbox. An
 * E.164 number has one spelling (`+` and digits), so phones are compared exactly: a number written
 * another way is a different, invalid, address that SNS would refuse.
 */
function addressKey(address: string): string {
  return address.includes('@') ? `email:${address.toLowerCase()}` : `sms:${address}`;
}
