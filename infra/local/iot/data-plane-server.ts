import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JsonObject, ShadowMessage, ShadowOutcome, ShadowRef, ShadowService } from './shadow-service.ts';

export type Publish = (topic: string, payload: Buffer, options: { qos: 0 | 1; retain: boolean }) => Promise<void>;

export interface DataPlaneServerOptions {
  shadows: ShadowService;
  /** Delivers to MQTT subscribers; the server never knows which broker is behind it. */
  publish: Publish;
}

/**
 * The IoT Data Plane REST API (paths, query parameters, status codes and `x-amzn-ErrorType` as in
 * AWS's service model), so `@aws-sdk/client-iot-data-plane` and `aws iot-data` work against it with
 * only the endpoint overridden. Requests are not authenticated: SigV4 headers are ignored.
 */
export function createDataPlaneServer({ shadows, publish }: DataPlaneServerOptions): Server {
  return createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      console.error('iot-local: request failed', error);
      if (!response.headersSent) sendError(response, 500, 'InternalFailureException', 'Internal service failure');
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const body = await readBody(request);

    const shadowPath = /^\/things\/([^/]+)\/shadow$/.exec(url.pathname);
    if (shadowPath?.[1] !== undefined) {
      const shadowName = url.searchParams.get('name');
      const ref: ShadowRef = { thingName: decodeURIComponent(shadowPath[1]), ...(shadowName ? { shadowName } : {}) };
      if (method === 'GET') return sendOutcome(response, shadows.get(ref));
      if (method === 'POST') return sendOutcome(response, shadows.update(ref, body));
      if (method === 'DELETE') return sendOutcome(response, shadows.delete(ref));
      return sendError(response, 405, 'MethodNotAllowedException', 'Method Not Allowed');
    }

    const listPath = /^\/api\/things\/shadow\/ListNamedShadowsForThing\/([^/]+)$/.exec(url.pathname);
    if (listPath?.[1] !== undefined) {
      if (method !== 'GET') return sendError(response, 405, 'MethodNotAllowedException', 'Method Not Allowed');
      const pageSize = url.searchParams.get('pageSize');
      const nextToken = url.searchParams.get('nextToken');
      const page = shadows.listNamedShadows(decodeURIComponent(listPath[1]), {
        ...(pageSize ? { pageSize: Number(pageSize) } : {}),
        ...(nextToken ? { nextToken } : {}),
      });
      return sendJson(response, 200, page);
    }

    const topicPath = /^\/topics\/(.+)$/.exec(url.pathname);
    if (topicPath?.[1] !== undefined) {
      if (method !== 'POST') return sendError(response, 405, 'MethodNotAllowedException', 'Method Not Allowed');
      const qos = url.searchParams.get('qos') === '1' ? 1 : 0;
      const retain = url.searchParams.get('retain') === 'true';
      await publish(decodeURIComponent(topicPath[1]), body, { qos, retain });
      return sendJson(response, 200, {});
    }

    return sendError(response, 404, 'ResourceNotFoundException', 'Not Found');
  }

  async function sendOutcome(response: ServerResponse, outcome: ShadowOutcome): Promise<void> {
    if (!outcome.ok) {
      // A REST caller gets the error in the response only: AWS publishes nothing on `…/rejected`.
      return sendJson(response, outcome.error.code, outcome.error.toDocument(), outcome.error.errorType);
    }
    await publishAll(publish, outcome.messages);
    sendJson(response, 200, outcome.document);
  }
}

export async function publishAll(publish: Publish, messages: ShadowMessage[]): Promise<void> {
  for (const message of messages) {
    await publish(message.topic, Buffer.from(JSON.stringify(message.payload)), { qos: 1, retain: false });
  }
}

function sendError(response: ServerResponse, status: number, errorType: string, message: string): void {
  sendJson(response, status, { message }, errorType);
}

function sendJson(response: ServerResponse, status: number, body: JsonObject, errorType?: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(errorType === undefined ? {} : { 'x-amzn-ErrorType': errorType }),
  });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
