import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#shared/adapters/dynamodb/client';
import { randomPickupCodes } from '#shared/adapters/pickup-code-vault';
import type { AllocationStrategyName } from '#shared/domain/allocation';
import type { Clock, CodeGenerator, DoorController, LogFields, Logger, Metrics, MetricName } from '#shared/ports';
import { defaultDoorTimings } from '#shared/domain/door';
import { ShadowDoors } from './doors.ts';
import type { Deps } from '#shared/use-cases/deps';
import { wireDeps } from '#shared/runtime';
import { createLocalDynamoDbClient } from '#infra/local/dynamodb-local';
import type { TestTable } from './dynamodb.ts';
import { RecordingNotifier } from './notify.ts';

export const testSecret = 'integration-test-secret-0123456789abcdef';

/** Time that moves only when a test says so. */
export class ManualClock implements Clock {
  constructor(private current = new Date('2026-11-22T10:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advanceHours(hours: number): void {
    this.current = new Date(this.current.getTime() + hours * 3_600_000);
  }
  advanceMinutes(minutes: number): void {
    this.current = new Date(this.current.getTime() + minutes * 60_000);
  }
  advanceSeconds(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

/** Keeps what use cases count, so a test can assert on it. */
export class CountingMetrics implements Metrics {
  readonly counts = new Map<MetricName, number>();
  count(name: MetricName, value = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }
}

/** Keeps what use cases log, so a test can assert on it (and the test run stays quiet). */
export class RecordingLogger implements Logger {
  readonly entries: { level: 'warn' | 'error'; message: string; fields: LogFields }[] = [];
  warn(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'warn', message, fields });
  }
  error(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'error', message, fields });
  }
}

/** Hands out the codes a test names, then random ones: lets a test force a code collision. */
export class ScriptedCodes implements CodeGenerator {
  constructor(private readonly queue: string[] = []) {}
  next(): string {
    return this.queue.shift() ?? randomPickupCodes.next();
  }
}

export interface TestDeps extends Deps {
  readonly clock: ManualClock;
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly doors: ShadowDoors;
  /** Both the notifier and the publisher: what the use cases sent. */
  readonly sends: RecordingNotifier;
  readonly logger: RecordingLogger;
}

/** The production wiring (`wireDeps`) against a test table, with a clock the test moves; `client` lets a test add SDK middleware to inject faults. */
export function buildDeps(
  table: TestTable,
  options: {
    client?: DynamoDBClient;
    strategy?: AllocationStrategyName;
    codes?: CodeGenerator;
    clock?: ManualClock;
    metrics?: Metrics;
    doors?: ShadowDoors;
    sends?: RecordingNotifier;
    /** A location's kiosk attempts per window; omitted, the production figure. */
    kioskAttemptsPerWindow?: number;
    /** Messages per destination and hour; omitted, the default. */
    messagesPerDestinationHour?: number;
    /** Verification codes for `/me` addresses; omitted, random ones. */
    verificationCodes?: CodeGenerator;
  } = {},
): TestDeps {
  const doors = options.doors ?? new ShadowDoors();
  const sends = options.sends ?? new RecordingNotifier();
  const logger = new RecordingLogger();
  const documentClient = createDocumentClient(options.client ?? createLocalDynamoDbClient(table.endpoint));
  const deps = wireDeps({
    documentClient,
    tableName: table.tableName,
    secret: testSecret,
    allocation: options.strategy ?? 'best-fit',
    defaultPickupWindowHours: 72,
    metrics: options.metrics ?? new CountingMetrics(),
    logger,
    doors: doors satisfies DoorController,
    doorTimings: defaultDoorTimings,
    notifier: sends,
    publisher: sends,
    ...(options.kioskAttemptsPerWindow === undefined ? {} : { kioskAttemptsPerWindow: options.kioskAttemptsPerWindow }),
    ...(options.messagesPerDestinationHour === undefined ? {} : { messagesPerDestinationHour: options.messagesPerDestinationHour }),
  });
  return {
    ...deps,
    clock: options.clock ?? new ManualClock(),
    codes: options.codes ?? deps.codes,
    verificationCodes: options.verificationCodes ?? deps.verificationCodes,
    documentClient,
    tableName: table.tableName,
    doors,
    sends,
    logger,
  };
}

export { actors } from './actors.ts';

/** Every item under one partition key, for asserting on what a write left behind. */
export async function itemsUnder(deps: TestDeps, tableName: string, pk: string) {
  const { Items = [] } = await deps.documentClient.send(
    new QueryCommand({ TableName: tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk } }),
  );
  return Items;
}
