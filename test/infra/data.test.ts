import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { indexList, tableKeys, ttlAttribute } from '#shared/adapters/dynamodb/table';
import { synthesizeApp, type SynthesizedApp } from './synth.ts';

describe('data: the single table', () => {
  let dev: SynthesizedApp;
  let prod: SynthesizedApp;

  beforeAll(() => {
    dev = synthesizeApp({ stage: 'dev' });
    prod = synthesizeApp({ stage: 'prod' });
  });

  it('is billed on demand', () => {
    // Prepare / Act: synthesised in beforeAll
    // Assess
    dev.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', { BillingMode: 'PAY_PER_REQUEST' });
  });

  it('has point-in-time recovery enabled', () => {
    dev.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('streams new and old images for the notifications consumer', () => {
    dev.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('expires items by the shared TTL attribute', () => {
    dev.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
    });
  });

  it('has the key schema of the shared table definition', () => {
    dev.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: tableKeys.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableKeys.sortKey, KeyType: 'RANGE' },
      ],
    });
  });

  it('has exactly the indexes of the shared table definition, with their keys and projections', () => {
    // Prepare
    const expected = indexList.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection:
        index.projection === 'ALL'
          ? { ProjectionType: 'ALL' }
          : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection] },
    }));

    // Act
    const tables = dev.statefulTemplate.findResources('AWS::DynamoDB::Table');
    const [table] = Object.values(tables) as { Properties: { GlobalSecondaryIndexes: unknown[] } }[];

    // Assess
    expect(Object.keys(tables)).toHaveLength(1);
    expect(table?.Properties.GlobalSecondaryIndexes).toEqual(expected);
  });

  it('can be deleted with the dev stage', () => {
    dev.statefulTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });

  it('is retained and deletion-protected in the prod stage', () => {
    prod.statefulTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });
});
