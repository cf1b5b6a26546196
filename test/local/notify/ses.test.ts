import { BadRequestException, SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageLog, type MessageLog } from '#infra/local/notify/messages';
import { startSes, type LocalSes } from '#infra/local/notify/ses';

// The local SES v2 checked through the real SDK client with only the endpoint overridden: if the SDK
// reads an answer, the service's email adapter will read it the same way.

const serviceTime = new Date('2030-05-06T07:08:09.000Z');
let messages: MessageLog;
let ses: LocalSes;
let client: SESv2Client;

beforeAll(async () => {
  messages = createMessageLog();
  ses = await startSes({ messages, port: 0, now: () => serviceTime });
  client = new SESv2Client({ endpoint: ses.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  client.destroy();
  await ses.stop();
});

function email(to: string[], overrides: Partial<SendEmailCommandInput> = {}): SendEmailCommandInput {
  return {
    FromEmailAddress: 'Parcel lockers <no-reply@lockers.example.com>',
    Destination: { ToAddresses: to },
    Content: { Simple: { Subject: { Data: 'Your parcel is ready' }, Body: { Text: { Data: 'Pickup code 1234567890' } } } },
    ...overrides,
  };
}

describe('SendEmail', () => {
  it("answers a MessageId and delivers the email to the recipient's inbox, stamped with the service time", async () => {
    // Act
    const sent = await client.send(new SendEmailCommand(email(['ana@example.com'])));

    // Assess
    expect(sent.MessageId).toEqual(expect.any(String));
    expect(messages.to('ana@example.com')).toEqual([
      { channel: 'email', to: 'ana@example.com', subject: 'Your parcel is ready', body: 'Pickup code 1234567890', sentAt: serviceTime.toISOString() },
    ]);
  });

  it('delivers a copy to every To, Cc and Bcc recipient, by bare address when a display name is given', async () => {
    // Act
    await client.send(
      new SendEmailCommand(
        email([], { Destination: { ToAddresses: ['Bo Lee <bo@example.com>'], CcAddresses: ['cy@example.com'], BccAddresses: ['di@example.com'] } }),
      ),
    );

    // Assess
    const inboxes = ['bo@example.com', 'cy@example.com', 'di@example.com'].map((address) => messages.to(address).map((message) => message.to));
    expect(inboxes).toEqual([['bo@example.com'], ['cy@example.com'], ['di@example.com']]);
  });

  it('refuses an email without a recipient with BadRequestException', async () => {
    // Act
    const sending = client.send(new SendEmailCommand(email([])));

    // Assess
    await expect(sending).rejects.toBeInstanceOf(BadRequestException);
    await expect(sending).rejects.toMatchObject({
      message: 'Missing required field Destination.ToAddresses: give at least one recipient',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses an email without a subject, and delivers nothing', async () => {
    // Act
    const sending = client.send(
      new SendEmailCommand(email(['eve@example.com'], { Content: { Simple: { Subject: undefined, Body: { Text: { Data: 'no subject' } } } } })),
    );

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'BadRequestException', message: 'Missing required field Content.Simple.Subject.Data' });
    expect(messages.to('eve@example.com')).toEqual([]);
  });

  it('refuses an email without a body', async () => {
    // Act
    const sending = client.send(new SendEmailCommand(email(['fay@example.com'], { Content: { Simple: { Subject: { Data: 'empty' }, Body: {} } } })));

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'BadRequestException', message: 'Missing required field Content.Simple.Body.Text.Data (or Body.Html.Data)' });
    expect(messages.to('fay@example.com')).toEqual([]);
  });

  it('refuses a recipient that is not an email address', async () => {
    // Act
    const sending = client.send(new SendEmailCommand(email(['not-an-address'])));

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'BadRequestException', message: 'Illegal address in Destination.ToAddresses: not-an-address' });
  });
});

describe('the wire format', () => {
  it("answers a validation error in SES v2's REST JSON shape: the code in x-amzn-ErrorType, { message } in the body, HTTP 400", async () => {
    // Act
    const response = await fetch(`${ses.url}/v2/email/outbound-emails`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ Destination: { ToAddresses: ['hal@example.com'] } }),
    });

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(await response.json()).toEqual({ message: 'Missing required field FromEmailAddress' });
  });
});
