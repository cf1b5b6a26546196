import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';
import type { AttributeValue, _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';

/**
 * A stream record as Lambda puts it in the event: the creation time in epoch seconds, binary
 * attributes in base64, and the region and stream ARN of the deployment (DynamoDB Local says
 * `ddblocal`, which no deployed function ever sees).
 */
export function lambdaRecord(record: StreamRecord, region: string, streamArn: string): DynamoDBRecord {
  const data = record.dynamodb ?? {};
  const created = data.ApproximateCreationDateTime;
  const { Keys, NewImage, OldImage, SequenceNumber, SizeBytes, StreamViewType } = data;
  return {
    eventID: record.eventID ?? randomUUID(),
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ...(created === undefined ? {} : { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) }),
      ...(Keys === undefined ? {} : { Keys: image(Keys) }),
      ...(NewImage === undefined ? {} : { NewImage: image(NewImage) }),
      ...(OldImage === undefined ? {} : { OldImage: image(OldImage) }),
      ...(SequenceNumber === undefined ? {} : { SequenceNumber }),
      ...(SizeBytes === undefined ? {} : { SizeBytes }),
      ...(StreamViewType === undefined ? {} : { StreamViewType }),
    },
    ...(record.userIdentity === undefined ? {} : { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }),
    eventSourceARN: deployedArn(streamArn, region),
  } as DynamoDBRecord;
}

/** DynamoDB Local's ARNs carry the region `ddblocal`. */
export function deployedArn(arn: string, region: string): string {
  return arn.replace(/^arn:aws:dynamodb:ddblocal:/, `arn:aws:dynamodb:${region}:`);
}

type LambdaImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

function image(attributes: Record<string, AttributeValue>): LambdaImage {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, attribute(value)])) as LambdaImage;
}

/** The SDK hands binary values as bytes; the event carries them as base64, as the wire does. */
function attribute(value: AttributeValue): unknown {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  if (value.M !== undefined) return { M: image(value.M) };
  if (value.L !== undefined) return { L: value.L.map(attribute) };
  return value;
}
