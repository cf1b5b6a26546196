import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { conflicted, createDocumentClient, failedAt, transact } from '#shared/adapters/dynamodb/client';
import { UnavailableError } from '#shared/domain/errors';

const table = 'locker-table';
const mock = mockClient(DynamoDBDocumentClient);
const client = createDocumentClient(new DynamoDBClient({ region: 'eu-west-1' }));

beforeEach(() => {
  mock.reset();
});

describe('transact', () => {
  it('sets the table name on every kind of item and passes the request token', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await transact(
      client,
      table,
      [
        { Put: { TableName: 'ignored', Item: { PK: 'a', SK: '1' } } },
        { Update: { TableName: 'ignored', Key: { PK: 'b', SK: '1' }, UpdateExpression: 'SET x = :x', ExpressionAttributeValues: { ':x': 1 } } },
        { Delete: { TableName: 'ignored', Key: { PK: 'c', SK: '1' } } },
        { ConditionCheck: { TableName: 'ignored', Key: { PK: 'd', SK: '1' }, ConditionExpression: 'attribute_exists(PK)' } },
      ],
      'token-1',
    );

    // Assess
    expect(mock.commandCalls(TransactWriteCommand)[0]?.args[0].input).toEqual({
      TransactItems: [
        { Put: { TableName: table, Item: { PK: 'a', SK: '1' } } },
        { Update: { TableName: table, Key: { PK: 'b', SK: '1' }, UpdateExpression: 'SET x = :x', ExpressionAttributeValues: { ':x': 1 } } },
        { Delete: { TableName: table, Key: { PK: 'c', SK: '1' } } },
        { ConditionCheck: { TableName: table, Key: { PK: 'd', SK: '1' }, ConditionExpression: 'attribute_exists(PK)' } },
      ],
      ClientRequestToken: 'token-1',
    });
  });

  it('sends no request token when none is given', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    await transact(client, table, [{ Put: { TableName: table, Item: { PK: 'a', SK: '1' } } }]);

    // Assess
    expect(mock.commandCalls(TransactWriteCommand)[0]?.args[0].input).toEqual({
      TransactItems: [{ Put: { TableName: table, Item: { PK: 'a', SK: '1' } } }],
    });
  });

  it('answers ok when the transaction commits', async () => {
    // Prepare
    mock.on(TransactWriteCommand).resolves({});

    // Act
    const result = await transact(client, table, [{ Put: { TableName: table, Item: { PK: 'a', SK: '1' } } }]);

    // Assess
    expect(result).toEqual({ ok: true });
  });

  it('answers a cancelled transaction with its per-item reasons, None for items without a code', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }, {}],
      }),
    );

    // Act
    const result = await transact(client, table, [{ Put: { TableName: table, Item: { PK: 'a', SK: '1' } } }]);

    // Assess
    expect(result).toEqual({ ok: false, reasons: ['None', 'ConditionalCheckFailed', 'None'] });
  });

  it('rethrows any other error', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    mock.on(TransactWriteCommand).rejects(throttled);

    // Act
    const writing = transact(client, table, [{ Put: { TableName: table, Item: { PK: 'a', SK: '1' } } }]);

    // Assess
    await expect(writing).rejects.toBe(throttled);
  });

  it('answers TRY_AGAIN for a transaction cancelled because a part was throttled, whoever the caller', async () => {
    // Prepare
    mock.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }] }),
    );

    // Act
    const writing = transact(client, table, [
      { Put: { TableName: table, Item: { PK: 'a', SK: '1' } } },
      { Put: { TableName: table, Item: { PK: 'b', SK: '1' } } },
    ]);

    // Assess
    await expect(writing).rejects.toBeInstanceOf(UnavailableError);
  });
});

describe('failedAt and conflicted', () => {
  it('failedAt is true only for the item that failed its condition', () => {
    // Prepare
    const result = { ok: false, reasons: ['None', 'ConditionalCheckFailed'] } as const;

    // Act
    const failed = [failedAt(result, 0), failedAt(result, 1), failedAt(result, 2)];

    // Assess
    expect(failed).toEqual([false, true, false]);
  });

  it('failedAt is false for a committed transaction', () => {
    // Act
    const failed = failedAt({ ok: true }, 0);

    // Assess
    expect(failed).toBe(false);
  });

  it('conflicted is true when any item met a concurrent transaction', () => {
    // Act
    const flags = [
      conflicted({ ok: false, reasons: ['None', 'TransactionConflict'] }),
      conflicted({ ok: false, reasons: ['ConditionalCheckFailed', 'None'] }),
      conflicted({ ok: true }),
    ];

    // Assess
    expect(flags).toEqual([true, false, false]);
  });
});
