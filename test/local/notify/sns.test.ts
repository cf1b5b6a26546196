import {
  CreateTopicCommand,
  InvalidParameterException,
  ListTopicsCommand,
  NotFoundException,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageLog, type MessageLog } from '#infra/local/notify/messages';
import { startSns, type LocalSns } from '#infra/local/notify/sns';

// The local SNS checked through the real SDK client with only the endpoint overridden: if the SDK
// reads an answer, the service's SNS adapter will read it the same way.

const serviceTime = new Date('2030-05-06T07:08:09.000Z');
let messages: MessageLog;
let sns: LocalSns;
let client: SNSClient;

beforeAll(async () => {
  messages = createMessageLog();
  sns = await startSns({ messages, port: 0, now: () => serviceTime });
  client = new SNSClient({ endpoint: sns.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  client.destroy();
  await sns.stop();
});

describe('CreateTopic', () => {
  it('answers the topic ARN in the local account and region', async () => {
    // Act
    const created = await client.send(new CreateTopicCommand({ Name: 'parcel-events' }));

    // Assess
    expect(created.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:parcel-events');
  });

  it('is idempotent by name: a second call answers the same ARN and lists the topic once', async () => {
    // Prepare
    const first = await client.send(new CreateTopicCommand({ Name: 'operators' }));

    // Act
    const second = await client.send(new CreateTopicCommand({ Name: 'operators' }));

    // Assess
    expect(second.TopicArn).toBe(first.TopicArn);
    const listed = await client.send(new ListTopicsCommand({}));
    expect(listed.Topics?.filter((topic) => topic.TopicArn === first.TopicArn)).toHaveLength(1);
  });

  it('refuses a name outside SNS topic naming rules', async () => {
    // Act
    const creating = client.send(new CreateTopicCommand({ Name: 'parcel events!' }));

    // Assess
    await expect(creating).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(creating).rejects.toMatchObject({ message: 'Invalid parameter: Topic Name', $metadata: { httpStatusCode: 400 } });
  });
});

describe('Publish to a phone number', () => {
  it('delivers an SMS: the message log holds it for that number, stamped with the service time', async () => {
    // Act
    const published = await client.send(new PublishCommand({ PhoneNumber: '+48500100200', Message: 'Your parcel is ready. Code 1234567890' }));

    // Assess
    expect(published.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(messages.to('+48500100200')).toEqual([{ channel: 'sms', to: '+48500100200', body: 'Your parcel is ready. Code 1234567890', sentAt: serviceTime.toISOString() }]);
  });

  it('sends the "sms" entry of a JSON message structure', async () => {
    // Act
    await client.send(
      new PublishCommand({ PhoneNumber: '+48500100201', MessageStructure: 'json', Message: JSON.stringify({ default: 'long text', sms: 'short text' }) }),
    );

    // Assess
    expect(messages.to('+48500100201').map((message) => message.body)).toEqual(['short text']);
  });

  it('refuses a number that is not E.164 with InvalidParameterException, and delivers nothing', async () => {
    // Act
    const publishing = client.send(new PublishCommand({ PhoneNumber: '0048500100202', Message: 'hello' }));

    // Assess
    await expect(publishing).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(publishing).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: PhoneNumber Reason: 0048500100202 is not valid to publish to',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    expect(messages.to('0048500100202')).toEqual([]);
  });

  it('refuses an empty message', async () => {
    // Act
    const publishing = client.send(new PublishCommand({ PhoneNumber: '+48500100203', Message: '' }));

    // Assess
    await expect(publishing).rejects.toMatchObject({ name: 'InvalidParameterException', message: 'Invalid parameter: Empty message' });
    expect(messages.to('+48500100203')).toEqual([]);
  });
});

describe('Publish to a topic', () => {
  it('keeps the message with its message attributes for the topic, and sends no SMS', async () => {
    // Prepare
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'parcel-events-attributes' }));
    const topicArn = TopicArn ?? '';

    // Act
    const published = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: '{"type":"PARCEL_STORED"}',
        MessageAttributes: {
          eventType: { DataType: 'String', StringValue: 'PARCEL_STORED' },
          locationId: { DataType: 'String', StringValue: 'WAW-01' },
          carrierId: { DataType: 'String', StringValue: 'carrier-1' },
        },
      }),
    );

    // Assess
    expect(sns.topicMessages(topicArn)).toEqual([
      {
        messageId: published.MessageId,
        message: '{"type":"PARCEL_STORED"}',
        messageAttributes: {
          eventType: { dataType: 'String', stringValue: 'PARCEL_STORED' },
          locationId: { dataType: 'String', stringValue: 'WAW-01' },
          carrierId: { dataType: 'String', stringValue: 'carrier-1' },
        },
        publishedAt: serviceTime.toISOString(),
      },
    ]);
  });

  it('answers NotFoundException for a topic that was never created', async () => {
    // Act
    const publishing = client.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:missing', Message: 'hello' }));

    // Assess
    await expect(publishing).rejects.toBeInstanceOf(NotFoundException);
    await expect(publishing).rejects.toMatchObject({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } });
  });

  it('refuses a message attribute without a value, and keeps nothing', async () => {
    // Prepare
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'parcel-events-empty-attribute' }));
    const topicArn = TopicArn ?? '';

    // Act
    const publishing = client.send(new PublishCommand({ TopicArn: topicArn, Message: 'hello', MessageAttributes: { eventType: { DataType: 'String' } } }));

    // Assess
    await expect(publishing).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message:
        "Invalid parameter: MessageAttributes Reason: The message attribute 'eventType' must contain non-empty message attribute value for message attribute type 'String'.",
    });
    expect(sns.topicMessages(topicArn)).toEqual([]);
  });

  it('refuses a Publish naming neither a topic nor a phone number', async () => {
    // Act
    const publishing = client.send(new PublishCommand({ Message: 'hello' }));

    // Assess
    await expect(publishing).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
    });
  });
});

describe('the wire format', () => {
  it("answers an error in SNS's ErrorResponse XML with HTTP 400 and the request id header", async () => {
    // Act
    const response = await fetch(sns.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Action=Publish&Version=2010-03-31&PhoneNumber=12&Message=hello',
    });

    // Assess
    const body = await response.text();
    const requestId = response.headers.get('x-amzn-requestid');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('text/xml');
    expect(body).toBe(
      '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidParameter</Code>' +
        `<Message>Invalid parameter: PhoneNumber Reason: 12 is not valid to publish to</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
  });

  it('answers an action it does not serve with InvalidAction', async () => {
    // Act
    const response = await fetch(sns.url, { method: 'POST', body: new URLSearchParams({ Action: 'Subscribe', Version: '2010-03-31' }) });

    // Assess
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>InvalidAction</Code><Message>Could not find operation Subscribe for version 2010-03-31</Message>');
  });
});
