import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { ListTopicsCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack';

// The notification side of `npm start`: the local SNS and SES v2 the functions reach through the
// SDK's endpoint variables, and `GET /_local/messages?to=` reading back what they delivered.

let stack: LocalStack;
let sns: SNSClient;
let ses: SESv2Client;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0 });
  // As a function's client would be built: no endpoint in code, the variables the stack set decide.
  sns = new SNSClient({});
  ses = new SESv2Client({});
}, 120_000);

afterAll(async () => {
  sns?.destroy();
  ses?.destroy();
  await stack?.stop();
});

async function messagesTo(query: string) {
  const response = await fetch(`${stack.url}/_local/messages${query}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the local stack’s SNS and SES stand-ins', () => {
  it('gives the functions their endpoints through AWS_ENDPOINT_URL_SNS and AWS_ENDPOINT_URL_SESV2', () => {
    // Assess
    expect({ sns: process.env.AWS_ENDPOINT_URL_SNS, ses: process.env.AWS_ENDPOINT_URL_SESV2 }).toEqual({ sns: stack.snsEndpoint, ses: stack.sesEndpoint });
    expect(stack.snsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.sesEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('has created the parcel-events and operator-alerts topics at start', async () => {
    // Act
    const listed = await sns.send(new ListTopicsCommand({}));

    // Assess
    expect(listed.Topics?.map((topic) => topic.TopicArn).sort()).toEqual([stack.topics.operatorAlerts, stack.topics.parcelEvents]);
    expect(stack.topics.parcelEvents).toMatch(/:parcel-events$/);
  });

  it('lists an SMS published to a phone and an email sent to an address, in the service’s time, oldest first', async () => {
    // Prepare
    const now = stack.advanceClock(1);
    await sns.send(new PublishCommand({ PhoneNumber: '+15550100001', Message: 'Your parcel is ready: code 123456' }));
    await sns.send(new PublishCommand({ PhoneNumber: '+15550100001', Message: 'Reminder: your parcel waits' }));
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'noreply@lockers.example',
        Destination: { ToAddresses: ['ana@example.com'] },
        Content: { Simple: { Subject: { Data: 'Your parcel is ready' }, Body: { Text: { Data: 'Pickup code 123456' } } } },
      }),
    );

    // Act
    const sms = await messagesTo(`?to=${encodeURIComponent('+15550100001')}`);
    const email = await messagesTo('?to=ana@example.com');

    // Assess
    expect(sms).toEqual({
      status: 200,
      body: {
        items: [
          { channel: 'sms', to: '+15550100001', body: 'Your parcel is ready: code 123456', sentAt: expect.any(String) },
          { channel: 'sms', to: '+15550100001', body: 'Reminder: your parcel waits', sentAt: expect.any(String) },
        ],
      },
    });
    expect(email).toEqual({
      status: 200,
      body: { items: [{ channel: 'email', to: 'ana@example.com', subject: 'Your parcel is ready', body: 'Pickup code 123456', sentAt: expect.any(String) }] },
    });
    // Stamped by the service clock moved an hour ahead, not the wall clock.
    const sentAt = Date.parse((email.body.items as { sentAt: string }[])[0]!.sentAt);
    expect(Math.abs(sentAt - now.getTime())).toBeLessThan(10_000);
  });

  it('reads a phone number typed with an unencoded + as that number, not a space', async () => {
    // Prepare
    await sns.send(new PublishCommand({ PhoneNumber: '+15550100002', Message: 'Picked up' }));

    // Act
    const reply = await messagesTo('?to=+15550100002');

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.items).toEqual([expect.objectContaining({ to: '+15550100002', body: 'Picked up' })]);
  });

  it('answers an empty list for an address nothing was sent to', async () => {
    // Act
    const reply = await messagesTo('?to=nobody@example.com');

    // Assess
    expect(reply).toEqual({ status: 200, body: { items: [] } });
  });

  it.each([
    ['without a query', ''],
    ['with an empty to', '?to='],
    ['with another parameter only', '?phone=%2B15550100001'],
  ])('refuses %s with a 400 in the local routes’ error shape', async (_case, query) => {
    // Act
    const reply = await messagesTo(query);

    // Assess
    expect(reply).toEqual({
      status: 400,
      body: { error: { code: 'VALIDATION_ERROR', message: expect.stringContaining('?to='), details: [{ path: 'to', message: 'required' }] } },
    });
  });
});

describe('the notifier’s configuration and the stream trigger in npm start', () => {
  it('gives the functions the local topics’ ARNs and a sender the local SES accepts', () => {
    // Assess
    expect({
      parcelEvents: process.env.PARCEL_EVENTS_TOPIC_ARN,
      operatorAlerts: process.env.OPERATOR_ALERTS_TOPIC_ARN,
      sender: process.env.EMAIL_SENDER,
    }).toEqual({ parcelEvents: stack.topics.parcelEvents, operatorAlerts: stack.topics.operatorAlerts, sender: 'Parcel lockers <no-reply@lockers.localhost>' });
  });

  it('polls the table stream at Lambda’s rate and lists no dead letters while nothing failed', async () => {
    // Act
    const response = await fetch(`${stack.url}/_local/dead-letters`);

    // Assess
    expect(stack.streams.pollIntervalMs).toBe(250);
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { items: [] } });
  });
});
