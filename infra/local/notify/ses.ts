import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MessageLog } from './messages.ts';

/**
 * A local stand-in for Amazon SES v2's `SendEmail` (REST JSON: `POST /v2/email/outbound-emails`), so
 * that the service's email adapter runs unchanged with `AWS_ENDPOINT_URL_SESV2` pointing here. Each
 * recipient's copy goes to the message log, as each inbox would receive it.
 *
 * Served: simple content (subject, text and/or HTML body), To/Cc/Bcc. Not served: raw and
 * templated content, configuration sets, suppression lists, sender identities (any sender is
 * accepted; the adapter's handling of `MessageRejected` is unit-tested against the SDK instead).
 */
export interface LocalSes {
  readonly url: string;
  stop(): Promise<void>;
}

export interface LocalSesOptions {
  readonly messages: MessageLog;
  /** 0 (the default) takes any free port. */
  readonly port?: number;
  /** The service's clock, which the local stack can move forward; emails are stamped with it. */
  readonly now?: () => Date;
}

/** SES's limit on recipients (To, Cc and Bcc together) of one message. */
const maxRecipients = 50;
const address = /^[^\s@<>]+@[^\s@<>]+$/;

/** An error answered in SES v2's REST JSON shape: the code in `x-amzn-ErrorType`, `{ message }` in the body. */
class SesError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const badRequest = (message: string) => new SesError(400, 'BadRequestException', message);

export async function startSes(options: LocalSesOptions): Promise<LocalSes> {
  const now = options.now ?? (() => new Date());

  function sendEmail(body: string): { MessageId: string } {
    let request: unknown;
    try {
      request = JSON.parse(body);
    } catch {
      throw badRequest('The request body is not JSON');
    }
    const from = stringAt(request, 'FromEmailAddress');
    if (from === undefined) throw badRequest('Missing required field FromEmailAddress');
    mailbox(from, 'FromEmailAddress');
    const recipients = ['ToAddresses', 'CcAddresses', 'BccAddresses'].flatMap((field) => addressesAt(request, field));
    if (recipients.length === 0) throw badRequest('Missing required field Destination.ToAddresses: give at least one recipient');
    if (recipients.length > maxRecipients) throw badRequest(`Recipient count exceeds ${maxRecipients}.`);
    const content = valueAt(request, 'Content');
    if (valueAt(content, 'Raw') !== undefined || valueAt(content, 'Template') !== undefined) {
      throw badRequest('The local SES v2 serves Content.Simple only, not Raw or Template content');
    }
    const simple = valueAt(content, 'Simple');
    if (simple === undefined) throw badRequest('Missing required field Content.Simple');
    const subject = stringAt(valueAt(simple, 'Subject'), 'Data');
    if (subject === undefined) throw badRequest('Missing required field Content.Simple.Subject.Data');
    const messageBody = valueAt(simple, 'Body');
    // SES sends either part; the log shows the text a phone's mail app would preview.
    const text = stringAt(valueAt(messageBody, 'Text'), 'Data') ?? stringAt(valueAt(messageBody, 'Html'), 'Data');
    if (text === undefined) throw badRequest('Missing required field Content.Simple.Body.Text.Data (or Body.Html.Data)');

    const sentAt = now().toISOString();
    for (const recipient of recipients) options.messages.record({ channel: 'email', to: recipient, subject, body: text, sentAt });
    return { MessageId: `${randomUUID()}-000000` };
  }

  const server = createServer((request, response) => {
    readBody(request)
      .then((body) => {
        const path = new URL(request.url ?? '/', 'http://local').pathname;
        if (request.method !== 'POST' || path !== '/v2/email/outbound-emails') {
          throw new SesError(404, 'UnknownOperationException', `The local SES v2 serves SendEmail only, not ${request.method ?? ''} ${path}`);
        }
        reply(response, 200, {}, sendEmail(body));
      })
      .catch((error: unknown) => {
        const known = error instanceof SesError ? error : new SesError(500, 'InternalFailure', 'The local SES failed: see its log');
        if (!(error instanceof SesError)) console.error('local SES:', error);
        reply(response, known.statusCode, { 'x-amzn-ErrorType': known.code }, { message: known.message });
      });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function valueAt(object: unknown, key: string): unknown {
  return typeof object === 'object' && object !== null ? (object as Record<string, unknown>)[key] : undefined;
}

function stringAt(object: unknown, key: string): string | undefined {
  const value = valueAt(object, key);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function addressesAt(request: unknown, field: string): string[] {
  const list = valueAt(valueAt(request, 'Destination'), field);
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw badRequest(`Destination.${field} must be a list of addresses`);
  return list.map((entry) => mailbox(typeof entry === 'string' ? entry : '', `Destination.${field}`));
}

/** SES accepts `Ana Nowak <ana@example.com>`; the inbox is the bare address. */
function mailbox(value: string, field: string): string {
  const bare = /<([^<>]*)>\s*$/.exec(value)?.[1] ?? value.trim();
  if (!address.test(bare)) throw badRequest(`Illegal address in ${field}: ${value}`);
  return bare;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, statusCode: number, headers: Record<string, string>, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(text);
}
