import type { Aedes } from 'aedes';
import { publishAll, type Publish } from './data-plane-server.ts';
import { parseShadowRequestTopic, shadowTopicPrefix, type ShadowOutcome, type ShadowService } from './shadow-service.ts';

/** Publishes through the in-process broker, as the AWS IoT message broker delivers service messages. */
export function brokerPublisher(broker: Aedes): Publish {
  return (topic, payload, { qos, retain }) =>
    new Promise((resolve, reject) => {
      broker.publish({ cmd: 'publish', topic, payload, qos, retain, dup: false }, (error) => (error ? reject(error) : resolve()));
    });
}

/**
 * Answers the shadow request topics (`…/update`, `…/get`, `…/delete`) from any publisher: an MQTT
 * client or the HTTP Publish API. Responses go out in request order through one queue, so a
 * subscriber sees `accepted`, `delta` and `documents` of one update before those of the next.
 */
export function bridgeShadowTopics(broker: Aedes, shadows: ShadowService, publish: Publish): void {
  let queue = Promise.resolve();
  broker.on('publish', (packet) => {
    const request = parseShadowRequestTopic(packet.topic);
    if (!request) return;
    const { ref, operation } = request;
    const outcome = run();
    const prefix = shadowTopicPrefix(ref);
    const messages = outcome.ok
      ? [...(operation === 'get' ? [{ topic: `${prefix}/get/accepted`, payload: outcome.document }] : []), ...outcome.messages]
      : [{ topic: `${prefix}/${operation}/rejected`, payload: outcome.error.toDocument() }];
    queue = queue.then(() => publishAll(publish, messages)).catch((error: unknown) => console.error('iot-local: publish failed', error));

    function run(): ShadowOutcome {
      if (operation === 'update') return shadows.update(ref, packet.payload);
      // The content of get and delete requests is ignored by AWS except for a client token.
      const clientToken = clientTokenOf(packet.payload);
      return operation === 'get' ? shadows.get(ref, clientToken) : shadows.delete(ref, clientToken);
    }
  });
}

function clientTokenOf(payload: Buffer | string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(payload.toString());
    if (typeof parsed === 'object' && parsed !== null && 'clientToken' in parsed && typeof parsed.clientToken === 'string') {
      return parsed.clientToken;
    }
  } catch {
    // An empty or non-JSON body is the documented way to ask, not an error.
  }
  return undefined;
}
