import { connect, createServer, type Socket } from 'node:net';

export interface StallingProxy {
  /** Where clients connect instead of DynamoDB Local. */
  readonly endpoint: string;
  /** From now on, requests whose bytes contain `marker` (e.g. an `X-Amz-Target` operation) are held, not forwarded. */
  stall(marker: string): void;
  /** How many requests are being held. */
  held(): number;
  /** Forwards everything held, even for clients that gave up (DynamoDB got the bytes: it commits), and stops holding. */
  release(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of DynamoDB Local that stalls chosen requests, as a DynamoDB that has
 * received a request but not answered it yet does. Unlike an SDK middleware that sleeps, it lets
 * the SDK's own connection and request timeouts fire, and the held requests still land when
 * released: the "answered, then committed anyway" case.
 */
export async function stallingProxy(target: string): Promise<StallingProxy> {
  const { hostname, port } = new URL(target);
  let marker: string | undefined;
  const holding: (() => void)[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(Number(port), hostname);
    sockets.add(upstream);
    let held = false;
    upstream.on('data', (chunk) => {
      if (!client.destroyed) client.write(chunk);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => undefined);
    // A client that gives up closes its side; a held request must still reach DynamoDB.
    client.on('close', () => {
      if (!held) upstream.end();
    });
    client.on('data', (chunk: Buffer) => {
      if (held || (marker !== undefined && chunk.includes(marker))) {
        held = true;
        holding.push(() => {
          held = false;
          upstream.write(chunk);
          if (client.destroyed) upstream.end();
        });
        return;
      }
      upstream.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stall: (operation) => {
      marker = operation;
    },
    held: () => holding.length,
    release: async () => {
      marker = undefined;
      for (const forward of holding.splice(0)) forward();
      // Give DynamoDB Local the moment it needs to apply what was just forwarded.
      await new Promise((resolve) => setTimeout(resolve, 300));
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
