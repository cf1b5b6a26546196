import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { eventEntity, toAuditEvent } from '#shared/adapters/dynamodb/entities/event';
import { logger } from '#shared/adapters/observability';
import { lambdaHandler } from '#shared/lambda';
import { manifest } from '#shared/manifest';
import { portsFor } from '#shared/runtime';
import { notifyEvent, type NotifyDeps, type NotifyOutcome } from '#shared/use-cases/notify-event';

/**
 * Invoked by the table's stream through an event source mapping that delivers only inserted event
 * items (the manifest's filter). Each record is one audit event: its messages are sent by
 * `notifyEvent`, each at most once. A record that fails is reported in `batchItemFailures` (Lambda
 * delivers it again, bisecting, a bounded number of times, then to the dead-letter queue), and the
 * others are not held back; when every record fails, the invocation fails (Powertools' default).
 *
 * Records are handled at once across partitions, but in stream order within one partition (one
 * parcel's events), and a record whose predecessor in the same partition failed is failed without
 * being tried: the recipient never hears "picked up" before "ready for pickup".
 */
export async function notifyRecords(ports: NotifyDeps, event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const chains = new Map<string, Promise<unknown>>();
  const handle = (record: DynamoDBRecord) => {
    const partition = partitionOf(record);
    const previous = chains.get(partition);
    const mine = (previous ?? Promise.resolve()).then(
      () => notifyRecord(ports, record),
      () => {
        throw new Error('An earlier event of the same partition failed in this batch');
      },
    );
    chains.set(partition, mine);
    return mine;
  };
  // A processor per invocation: in the local runtime several invocations can share this module.
  return processPartialResponse(event, handle, new BatchProcessor(EventType.DynamoDBStreams));
}

export const handler = lambdaHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>(async (event) => notifyRecords(await portsFor(manifest.notify), event));

/** One record; what is not an inserted event item is skipped, should the filter ever let one through. */
export async function notifyRecord(ports: NotifyDeps, record: DynamoDBRecord): Promise<NotifyOutcome | 'skipped'> {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || image === undefined) return 'skipped';
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  try {
    const item = unmarshall(image as Record<string, AttributeValue>);
    if (item.entity !== eventEntity) return 'skipped';
    const event = toAuditEvent(item);
    const outcome = await notifyEvent(ports, event);
    if (outcome.sent + outcome.undeliverable + outcome.limited > 0) logger.info('Event notified', { eventId: event.eventId, type: event.type, ...outcome });
    return outcome;
  } catch (error) {
    logger.error('An event could not be notified; its record will be delivered again', { sequenceNumber, error: describe(error) });
    throw error;
  }
}

function partitionOf(record: DynamoDBRecord): string {
  return record.dynamodb?.Keys?.PK?.S ?? record.dynamodb?.SequenceNumber ?? '';
}

/**
 * An SDK error's message can quote what was sent (an address), so only its name and status are
 * logged; our own errors' messages name ids only.
 */
function describe(error: unknown) {
  if (!(error instanceof Error)) return { name: 'unknown' };
  const { $metadata } = error as { $metadata?: { httpStatusCode?: number } };
  return $metadata === undefined ? { name: error.name, message: error.message } : { name: error.name, status: $metadata.httpStatusCode };
}
