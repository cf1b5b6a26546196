import { PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { sdkSettings, type SdkSettings } from '#shared/config';
import { UndeliverableError } from '#shared/domain/errors';
import type { IntegratorMessage, OperatorAlert } from '#shared/domain/notifications';
import type { EventPublisher, Notifier } from '#shared/ports';
import { clientOptions, keepingDeadline } from './sdk.ts';

/**
 * SMS by SNS `Publish` to a phone number, email by SES v2 `SendEmail` (docs/architecture.md §7). The same
 * adapter talks to the local stand-ins; only the endpoints differ (`AWS_ENDPOINT_URL_SNS`,
 * `AWS_ENDPOINT_URL_SESV2`).
 */
export class SnsSesNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly ses: SESv2Client,
    /** The stage's verified SES identity, e.g. `Parcel lockers <no-reply@lockers.example.com>`. */
    private readonly sender: string,
  ) {}

  async sms(to: string, body: string): Promise<void> {
    await refusedForGood(
      this.sns.send(
        new PublishCommand({
          PhoneNumber: to,
          Message: body,
          // Transactional: SNS favours delivery over cost, and sends it to opted-in numbers in
          // quiet hours too. A pickup code is not marketing.
          MessageAttributes: { 'AWS.SNS.SMS.SMSType': text('Transactional') },
        }),
      ),
      smsRefusals,
    );
  }

  async email(to: string, subject: string, body: string): Promise<void> {
    await refusedForGood(
      this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: this.sender,
          Destination: { ToAddresses: [to] },
          Content: {
            Simple: {
              Subject: { Data: subject, Charset: 'UTF-8' },
              Body: { Text: { Data: body, Charset: 'UTF-8' } },
            },
          },
        }),
      ),
      emailRefusals,
    );
  }
}

/**
 * The refusals that concern the one message (its address), which no retry can change. Everything
 * else (throttling, timeouts, 5xx: `UnavailableError` by then; a paused account, a missing
 * permission) is ours or passing, so it is thrown for the record to be retried and, if it lasts, to
 * reach the dead-letter queue and its alarm.
 * SES has none: it answers `MessageRejected` for an unverified sender or, in the sandbox, an
 * unverified recipient (a first deploy's configuration, which would otherwise drop every email
 * unseen), and `BadRequestException` for any invalid input, our sender's address included; the
 * recipient's address was checked when it was saved. A bad inbox is reported by SES later, as a bounce.
 */
const smsRefusals = new Set(['InvalidParameterException', 'InvalidParameterValueException', 'OptedOutException']);
const emailRefusals = new Set<string>();

/** A refusal in `refusals` becomes `UndeliverableError`; the SDK's message, which can quote the address, is dropped. */
async function refusedForGood(sending: Promise<unknown>, refusals: ReadonlySet<string>): Promise<void> {
  try {
    await sending;
  } catch (error) {
    if (error instanceof Error && refusals.has(error.name)) throw new UndeliverableError(error.name);
    throw error;
  }
}

/**
 * The service's two SNS topics: `parcel-events` for integrators, whose subscriptions filter on the
 * message attributes, and the operators' alerts.
 */
export class SnsEventPublisher implements EventPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topics: { readonly parcelEvents: string; readonly operatorAlerts: string },
  ) {}

  async parcelEvent({ message, attributes }: IntegratorMessage): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topics.parcelEvents,
        Message: JSON.stringify(message),
        MessageAttributes: {
          eventType: text(attributes.eventType),
          locationId: text(attributes.locationId),
          carrierId: text(attributes.carrierId),
        },
      }),
    );
  }

  async operatorAlert({ subject, body, attributes }: OperatorAlert): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topics.operatorAlerts,
        Subject: snsSubject(subject),
        Message: body,
        MessageAttributes: {
          eventType: text(attributes.eventType),
          locationId: text(attributes.locationId),
          alert: text(attributes.alert),
        },
      }),
    );
  }
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/**
 * SNS refuses a subject that is not printable ASCII or is 100 characters or more; an alert must not
 * be lost to its subject line (ids can make it long), so it is cut to fit rather than refused.
 */
export function snsSubject(subject: string): string {
  const printable = subject.replace(/[^\x20-\x7e]/g, '?').trim();
  return printable.length < 100 ? printable : `${printable.slice(0, 96)}...`;
}

export function createSnsClient(settings: SdkSettings = sdkSettings()): SNSClient {
  return keepingDeadline(new SNSClient(clientOptions(settings)), 'The notification service');
}

export function createSesClient(settings: SdkSettings = sdkSettings()): SESv2Client {
  return keepingDeadline(new SESv2Client(clientOptions(settings)), 'The email service');
}
