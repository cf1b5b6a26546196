import { InvalidParameterException, PublishCommand, SNSClient, AuthorizationErrorException } from '@aws-sdk/client-sns';
import { BadRequestException, MessageRejected, SendEmailCommand, SESv2Client, SendingPausedException } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SnsEventPublisher, SnsSesNotifier, snsSubject } from '#shared/adapters/notifier';
import { UndeliverableError } from '#shared/domain/errors';
import type { IntegratorMessage, OperatorAlert } from '#shared/domain/notifications';

const sns = mockClient(SNSClient);
const ses = mockClient(SESv2Client);
const sender = 'Parcel lockers <no-reply@lockers.example.com>';
const topics = {
  parcelEvents: 'arn:aws:sns:eu-west-1:123456789012:parcel-events',
  operatorAlerts: 'arn:aws:sns:eu-west-1:123456789012:operator-alerts',
};
const notifier = new SnsSesNotifier(new SNSClient({ region: 'eu-west-1' }), new SESv2Client({ region: 'eu-west-1' }), sender);
const publisher = new SnsEventPublisher(new SNSClient({ region: 'eu-west-1' }), topics);

const published = () => sns.commandCalls(PublishCommand).map((call) => call.args[0].input);

beforeEach(() => {
  sns.reset();
  ses.reset();
});

describe('SnsSesNotifier.sms', () => {
  it('publishes the text to the phone number as a transactional SMS', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    // Act
    await notifier.sms('+447700900123', 'Your parcel is ready. Code 1234567890');

    // Assess
    expect(published()).toEqual([
      {
        PhoneNumber: '+447700900123',
        Message: 'Your parcel is ready. Code 1234567890',
        MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
      },
    ]);
  });

  it('answers a number SNS refuses as undeliverable, without the number in the error', async () => {
    // Prepare
    sns.on(PublishCommand).rejects(new InvalidParameterException({ message: 'Invalid parameter: PhoneNumber Reason: +447700900123 is not valid', $metadata: {} }));

    // Act
    const thrown = await notifier.sms('+447700900123', 'body').catch((error: unknown) => error);

    // Assess
    expect(thrown).toBeInstanceOf(UndeliverableError);
    expect({ reason: (thrown as UndeliverableError).reason, quotesNumber: (thrown as Error).message.includes('+447700900123') }).toEqual({
      reason: 'InvalidParameterException',
      quotesNumber: false,
    });
  });

  it('lets a fault of ours (a missing permission) through, so the record is retried and, if it lasts, alarms', async () => {
    // Prepare
    const denied = new AuthorizationErrorException({ message: 'not authorized to perform SNS:Publish', $metadata: {} });
    sns.on(PublishCommand).rejects(denied);

    // Act
    const sending = notifier.sms('+447700900123', 'body');

    // Assess
    await expect(sending).rejects.toBe(denied);
  });
});

describe('SnsSesNotifier.email', () => {
  it('sends a plain-text UTF-8 email from the stage sender to the one address', async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: 'e-1' });

    // Act
    await notifier.email('ana@example.com', 'Your parcel is ready', 'Code 1234567890 — at Café Central');

    // Assess
    expect(ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input)).toEqual([
      {
        FromEmailAddress: sender,
        Destination: { ToAddresses: ['ana@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: 'Your parcel is ready', Charset: 'UTF-8' },
            Body: { Text: { Data: 'Code 1234567890 — at Café Central', Charset: 'UTF-8' } },
          },
        },
      },
    ]);
  });

  it.each([
    ['MessageRejected (an unverified sender, a sandboxed account)', new MessageRejected({ message: 'Email address is not verified. The following identities failed the check in region EU-WEST-1: no-reply@lockers.example.com', $metadata: {} })],
    ['BadRequestException (maybe our own sender address)', new BadRequestException({ message: 'Illegal address', $metadata: {} })],
  ])('lets %s through, so the record is retried and, if it lasts, alarms', async (_kind, refusal) => {
    // Prepare
    ses.on(SendEmailCommand).rejects(refusal);

    // Act
    const sending = notifier.email('ana@example.com', 'subject', 'body');

    // Assess
    await expect(sending).rejects.toBe(refusal);
  });

  it('lets a paused account through: every message waits for it, none is given up', async () => {
    // Prepare
    const paused = new SendingPausedException({ message: 'Sending is paused for this account', $metadata: {} });
    ses.on(SendEmailCommand).rejects(paused);

    // Act
    const sending = notifier.email('ana@example.com', 'subject', 'body');

    // Assess
    await expect(sending).rejects.toBe(paused);
  });
});

describe('SnsEventPublisher', () => {
  it('publishes a parcel event as JSON on parcel-events with the attributes integrators filter on', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    const message: IntegratorMessage = {
      message: { eventId: 'evt-1', eventType: 'PARCEL_STORED', at: '2026-11-22T10:00:00.000Z', parcelId: 'p-1', carrierId: 'carrier-1', locationId: 'loc-1' },
      attributes: { eventType: 'PARCEL_STORED', locationId: 'loc-1', carrierId: 'carrier-1' },
      idempotencyKey: 'evt-1#parcel-events',
    };

    // Act
    await publisher.parcelEvent(message);

    // Assess
    expect(published()).toEqual([
      {
        TopicArn: topics.parcelEvents,
        Message: JSON.stringify(message.message),
        MessageAttributes: {
          eventType: { DataType: 'String', StringValue: 'PARCEL_STORED' },
          locationId: { DataType: 'String', StringValue: 'loc-1' },
          carrierId: { DataType: 'String', StringValue: 'carrier-1' },
        },
      },
    ]);
  });

  it("publishes an alert on the operators' topic with its subject and attributes", async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-3' });
    const alert: OperatorAlert = {
      subject: 'Door fault JAMMED at loc-1/A/02',
      body: 'The slot is out of service.',
      attributes: { eventType: 'SLOT_FAULT', locationId: 'loc-1', alert: 'DOOR_FAULT' },
      idempotencyKey: 'evt-2#operators',
    };

    // Act
    await publisher.operatorAlert(alert);

    // Assess
    expect(published()).toEqual([
      {
        TopicArn: topics.operatorAlerts,
        Subject: 'Door fault JAMMED at loc-1/A/02',
        Message: 'The slot is out of service.',
        MessageAttributes: {
          eventType: { DataType: 'String', StringValue: 'SLOT_FAULT' },
          locationId: { DataType: 'String', StringValue: 'loc-1' },
          alert: { DataType: 'String', StringValue: 'DOOR_FAULT' },
        },
      },
    ]);
  });

  it('does not give up a topic message SNS refuses: that is a fault of ours, for the dead-letter queue', async () => {
    // Prepare
    const refused = new InvalidParameterException({ message: 'Invalid parameter: TopicArn', $metadata: {} });
    sns.on(PublishCommand).rejects(refused);

    // Act
    const publishing = publisher.operatorAlert({ subject: 's', body: 'b', attributes: { eventType: 'SLOT_FAULT', locationId: 'loc-1', alert: 'DOOR_FAULT' }, idempotencyKey: 'k' });

    // Assess
    await expect(publishing).rejects.toBe(refused);
  });
});

describe('snsSubject', () => {
  it('keeps a subject SNS accepts as it is', () => {
    // Act / Assess
    expect(snsSubject('Door fault JAMMED at loc-1/A/02')).toBe('Door fault JAMMED at loc-1/A/02');
  });

  it('cuts a long subject below 100 characters and replaces what is not printable ASCII', () => {
    // Act
    const subject = snsSubject(`Door opened after its command ended at Café ${'x'.repeat(120)}`);

    // Assess
    expect({ length: subject.length, ascii: /^[\x20-\x7e]+$/.test(subject), start: subject.slice(0, 45) }).toEqual({
      length: 99,
      ascii: true,
      start: 'Door opened after its command ended at Caf? x',
    });
  });
});
