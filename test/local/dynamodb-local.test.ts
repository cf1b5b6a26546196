import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { createLocalDynamoDbClient, createTable, startDynamoDbLocal, type DynamoDbLocal } from '#infra/local/dynamodb-local';
import { until } from '#test/helpers/wait';

// The DynamoDB Local process of `npm start`: reachable from this machine only, restarted when it dies, and keeping its data when asked.

const started: DynamoDbLocal[] = [];
const directories: string[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((dynamoDb) => dynamoDb.stop()));
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function start(options: Parameters<typeof startDynamoDbLocal>[0] = {}) {
  const dynamoDb = await startDynamoDbLocal(options);
  started.push(dynamoDb);
  return dynamoDb;
}

/** Whether a TCP connection to the address and port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('DynamoDB Local as the local stack runs it', () => {
  it('accepts connections on the loopback address only, not on this machine’s other addresses', async () => {
    // Prepare
    const dynamoDb = await start();
    const port = Number(new URL(dynamoDb.endpoint).port);
    const otherAddresses = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address !== undefined && !address.internal && address.family === 'IPv4')
      .map((address) => address!.address);

    // Act
    const [loopback, ...others] = await Promise.all([accepts('127.0.0.1', port), ...otherAddresses.map((address) => accepts(address, port))]);

    // Assess
    expect({ loopback, others }).toEqual({ loopback: true, others: otherAddresses.map(() => false) });
  }, 60_000);

  it('is started again on the same port when its process dies, says so (and that its in-memory data is lost), and answers again', async () => {
    // Prepare
    const lines: string[] = [];
    let restarts = 0;
    const dynamoDb = await start({
      keepAlive: {
        log: (line) => lines.push(line),
        restarted: async (endpoint) => {
          await createTable(endpoint, 'after-restart');
          restarts += 1;
        },
      },
    });
    const killed = dynamoDb.pid!;

    // Act
    process.kill(killed, 'SIGKILL');
    await until(() => restarts === 1 && dynamoDb.running, 'a restarted DynamoDB Local');

    // Assess
    const client = createLocalDynamoDbClient(dynamoDb.endpoint);
    const { TableNames } = await client.send(new ListTablesCommand({}));
    client.destroy();
    expect({ tables: TableNames, newProcess: dynamoDb.pid !== killed }).toEqual({ tables: ['after-restart'], newProcess: true });
    expect(lines.join('\n')).toMatch(new RegExp(`DynamoDB Local \\(pid ${killed}\\) was ended by SIGKILL; restarting it on port ${new URL(dynamoDb.endpoint).port}`));
    expect(lines.filter((line) => line.startsWith('DATA LOST: '))).toHaveLength(1);
  }, 120_000);

  it('keeps the data in its data directory across a restart', async () => {
    // Prepare
    const dataDirectory = await mkdtemp(join(tmpdir(), 'dynamodb-local-data-'));
    directories.push(dataDirectory);
    const first = await start({ dataDirectory });
    await createTable(first.endpoint, 'kept');
    const writer = createDocumentClient(createLocalDynamoDbClient(first.endpoint));
    await writer.send(new PutCommand({ TableName: 'kept', Item: { PK: 'LOC#kept', SK: 'META', name: 'Kept' } }));
    writer.destroy();
    await first.stop();

    // Act
    const second = await start({ dataDirectory });

    // Assess
    const reader = createDocumentClient(createLocalDynamoDbClient(second.endpoint));
    const { Item } = await reader.send(new GetCommand({ TableName: 'kept', Key: { PK: 'LOC#kept', SK: 'META' } }));
    reader.destroy();
    expect(Item).toEqual({ PK: 'LOC#kept', SK: 'META', name: 'Kept' });
  }, 120_000);
});
