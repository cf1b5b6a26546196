import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { connectAsync, type MqttClient } from 'mqtt';
import type { JsonObject } from '#infra/local/iot/shadow-service';

export function dataPlaneClient(endpoint: string): IoTDataPlaneClient {
  return new IoTDataPlaneClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export function encode(document: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(document));
}

export function decode(payload: Uint8Array | undefined): JsonObject {
  return JSON.parse(new TextDecoder().decode(payload)) as JsonObject;
}

export interface Received {
  topic: string;
  payload: JsonObject;
}

/** A real MQTT client that records what it receives, so tests wait on messages, never on time. */
export class Inbox {
  readonly messages: Received[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      const text = payload.toString();
      this.messages.push({ topic, payload: text === '' ? {} : (JSON.parse(text) as JsonObject) });
      for (const wake of this.waiters) wake();
    });
  }

  static async open(mqttUrl: string, topics: string[], clientId?: string): Promise<Inbox> {
    const client = await connectAsync(mqttUrl, { reconnectPeriod: 0, ...(clientId ? { clientId } : {}) });
    await client.subscribeAsync(topics, { qos: 1 });
    return new Inbox(client);
  }

  /** Resolves with the first message, already received or still to come, that matches. */
  waitFor(matches: (message: Received) => boolean, description = 'a matching message'): Promise<Received> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.find(matches);
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const guard = setTimeout(() => {
        cleanup();
        reject(new Error(`Did not receive ${description}; got ${JSON.stringify(this.messages.map((message) => message.topic))}`));
      }, 10_000);
      const cleanup = () => {
        clearTimeout(guard);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  on(topic: string): JsonObject[] {
    return this.messages.filter((message) => message.topic === topic).map((message) => message.payload);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
