import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MessageLog } from './messages.ts';

/**
 * A local stand-in for Amazon SNS, speaking its query protocol (form-encoded POST, XML answers) so
 * that the service's SNS adapter runs unchanged with `AWS_ENDPOINT_URL_SNS` pointing here. It serves
 * what the notifier needs: `CreateTopic`, `ListTopics`, and `Publish` to a phone (an SMS, recorded in
 * the message log) or to a topic (kept per topic, with its message attributes, for tests to read).
 * fauxqs handles topics but refuses `Publish` to a `PhoneNumber`, hence this one.
 *
 * Not served: subscriptions and delivery to them, FIFO topics, SMS sandbox and spending limits.
 */
export interface LocalSns {
  readonly url: string;
  /** The ARN a topic of that name has (or would have) on this endpoint. */
  topicArn(name: string): string;
  /** Creates a topic (as `CreateTopic` does: an existing one is kept) and returns its ARN. */
  createTopic(name: string): string;
  /** What was published to the topic, oldest first; empty for a topic that does not exist. */
  topicMessages(topicArn: string): readonly TopicMessage[];
  stop(): Promise<void>;
}

export interface TopicMessage {
  readonly messageId: string;
  readonly message: string;
  readonly subject?: string;
  readonly messageStructure?: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttribute>>;
  readonly publishedAt: string;
}

export interface MessageAttribute {
  readonly dataType: string;
  readonly stringValue?: string;
  /** Base64, as the query protocol carries it. */
  readonly binaryValue?: string;
}

export interface LocalSnsOptions {
  readonly messages: MessageLog;
  /** 0 (the default) takes any free port. */
  readonly port?: number;
  readonly region?: string;
  /** The service's clock, which the local stack can move forward; SMS are stamped with it. */
  readonly now?: () => Date;
  /** Topics that exist from the start, as the deployed stack's topics exist before any function runs. */
  readonly topics?: readonly string[];
}

const apiVersion = '2010-03-31';
const xmlns = `http://sns.amazonaws.com/doc/${apiVersion}/`;
// LocalStack and fauxqs use the same placeholder account, so ARNs look alike across local tools.
const accountId = '000000000000';
/** SNS's documented topic name rule (standard topics; FIFO names end in `.fifo` and are not served). */
const topicName = /^[A-Za-z0-9_-]{1,256}$/;
const e164 = /^\+[1-9]\d{6,14}$/;
/** SNS's message size limit, in bytes, for every target. */
const maxMessageBytes = 256 * 1024;
const maxMessageAttributes = 10;
const attributeType = /^(String|Number|Binary|String\.Array)(\..+)?$/;

/** An error answered in SNS's `ErrorResponse` shape; the SDK maps the code to its exception class. */
class SnsError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalidParameter = (message: string) => new SnsError(400, 'InvalidParameter', `Invalid parameter: ${message}`);

export async function startSns(options: LocalSnsOptions): Promise<LocalSns> {
  const region = options.region ?? 'us-east-1';
  const now = options.now ?? (() => new Date());
  const topics = new Map<string, TopicMessage[]>();
  const createTopic = (name: string): string => {
    if (!topicName.test(name)) throw invalidParameter('Topic Name');
    const arn = `arn:aws:sns:${region}:${accountId}:${name}`;
    // Idempotent as in SNS: creating an existing topic answers its ARN. (SNS also refuses a second
    // call with different attributes; the local stack creates each topic once, so that is not served.)
    if (!topics.has(arn)) topics.set(arn, []);
    return arn;
  };
  for (const name of options.topics ?? []) createTopic(name);

  const actions: Record<string, (params: URLSearchParams) => string> = {
    CreateTopic(params) {
      return text('TopicArn', createTopic(params.get('Name') ?? ''));
    },
    ListTopics() {
      // SNS pages by 100; the local stack has a handful of topics, so one page without NextToken.
      return element('Topics', [...topics.keys()].map((arn) => element('member', text('TopicArn', arn))).join(''));
    },
    Publish(params) {
      const topicArn = params.get('TopicArn') ?? params.get('TargetArn');
      const phoneNumber = params.get('PhoneNumber');
      if (topicArn === null && phoneNumber === null) throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
      if (topicArn !== null && phoneNumber !== null) throw invalidParameter('PhoneNumber Reason: give either a PhoneNumber or a TopicArn/TargetArn, not both');
      const message = params.get('Message') ?? '';
      if (message === '') throw invalidParameter('Empty message');
      if (Buffer.byteLength(message) > maxMessageBytes) throw invalidParameter('Message too long');
      const messageStructure = params.get('MessageStructure') ?? undefined;
      const messageAttributes = readMessageAttributes(params);
      const messageId = randomUUID();

      if (phoneNumber !== null) {
        if (!e164.test(phoneNumber)) throw invalidParameter(`PhoneNumber Reason: ${phoneNumber} is not valid to publish to`);
        // SMS ignore Subject, as in SNS; a JSON message structure sends its "sms" entry, else "default".
        const body = messageStructure === 'json' ? protocolMessage(message, 'sms') : message;
        options.messages.record({ channel: 'sms', to: phoneNumber, body, sentAt: now().toISOString() });
        return text('MessageId', messageId);
      }
      const published = topicArn === null ? undefined : topics.get(topicArn);
      if (published === undefined) {
        if (!/^arn:aws:sns:[^:]+:\d{12}:[^:]+$/.test(topicArn ?? '')) throw invalidParameter('TopicArn');
        throw new SnsError(404, 'NotFound', 'Topic does not exist');
      }
      if (messageStructure === 'json') protocolMessage(message, 'default');
      const subject = params.get('Subject') ?? undefined;
      published.push({ messageId, message, subject, messageStructure, messageAttributes, publishedAt: now().toISOString() });
      return text('MessageId', messageId);
    },
  };

  const server = createServer((request, response) => {
    readBody(request)
      .then((body) => {
        const params = new URLSearchParams(body);
        const action = params.get('Action') ?? '';
        const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
        if (request.method !== 'POST' || handler === undefined || params.get('Version') !== apiVersion) {
          throw new SnsError(400, 'InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? ''}`);
        }
        const requestId = randomUUID();
        const result = handler(params);
        reply(response, 200, requestId, `<${action}Response xmlns="${xmlns}">${element(`${action}Result`, result)}${element('ResponseMetadata', text('RequestId', requestId))}</${action}Response>`);
      })
      .catch((error: unknown) => {
        const requestId = randomUUID();
        const known = error instanceof SnsError ? error : new SnsError(500, 'InternalError', 'The local SNS failed: see its log');
        if (!(error instanceof SnsError)) console.error('local SNS:', error);
        // SNS types its 4xx errors as the sender's fault and its 5xx as its own.
        const type = known.statusCode < 500 ? 'Sender' : 'Receiver';
        const details = element('Error', text('Type', type) + text('Code', known.code) + text('Message', known.message));
        reply(response, known.statusCode, requestId, `<ErrorResponse xmlns="${xmlns}">${details}${text('RequestId', requestId)}</ErrorResponse>`);
      });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    topicArn: (name) => `arn:aws:sns:${region}:${accountId}:${name}`,
    createTopic,
    topicMessages: (topicArn) => [...(topics.get(topicArn) ?? [])],
    stop: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/**
 * The query protocol flattens a map into numbered entries:
 * `MessageAttributes.entry.1.Name=eventType&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=…`.
 */
function readMessageAttributes(params: URLSearchParams): Record<string, MessageAttribute> {
  const attributes: Record<string, MessageAttribute> = {};
  for (let index = 1; params.has(`MessageAttributes.entry.${index}.Name`); index++) {
    const prefix = `MessageAttributes.entry.${index}`;
    const name = params.get(`${prefix}.Name`) ?? '';
    const dataType = params.get(`${prefix}.Value.DataType`) ?? '';
    const stringValue = params.get(`${prefix}.Value.StringValue`) ?? undefined;
    const binaryValue = params.get(`${prefix}.Value.BinaryValue`) ?? undefined;
    if (!attributeType.test(dataType)) {
      throw invalidParameter(`MessageAttributes Reason: The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    }
    const value = dataType.startsWith('Binary') ? binaryValue : stringValue;
    if (value === undefined || value === '') {
      throw invalidParameter(`MessageAttributes Reason: The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`);
    }
    attributes[name] = dataType.startsWith('Binary') ? { dataType, binaryValue } : { dataType, stringValue };
  }
  const count = Object.keys(attributes).length;
  if (count > maxMessageAttributes) {
    throw invalidParameter(`MessageAttributes Reason: Number of message attributes [${count}] exceeds the allowed maximum [${maxMessageAttributes}].`);
  }
  return attributes;
}

/** With `MessageStructure=json` the message is a JSON object of texts per protocol, "default" required. */
function protocolMessage(message: string, protocol: string): string {
  let texts: unknown;
  try {
    texts = JSON.parse(message);
  } catch {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  const entries = typeof texts === 'object' && texts !== null ? (texts as Record<string, unknown>) : {};
  if (typeof entries.default !== 'string') throw invalidParameter('Message Structure - No default entry in JSON message body');
  const text = entries[protocol];
  return typeof text === 'string' ? text : entries.default;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, statusCode: number, requestId: string, xml: string): void {
  response.writeHead(statusCode, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(xml), 'x-amzn-RequestId': requestId });
  response.end(xml);
}

function element(name: string, content: string): string {
  return `<${name}>${content}</${name}>`;
}

/** Error messages quote what the caller sent (a phone number, an attribute name), so text is escaped. */
function text(name: string, value: string): string {
  const escaped = value.replace(/[<>&'"]/g, (character) => `&#${character.charCodeAt(0)};`);
  return element(name, escaped);
}
