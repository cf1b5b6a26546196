import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { indexList, tableKeys, ttlAttribute } from '#shared/adapters/dynamodb/table';
import type { StageConfig } from '#infra/stacks/stage';

export interface DataProps {
  readonly stage: StageConfig;
}

/**
 * The single table, built from the shared definition that DynamoDB Local and the integration tests
 * also use, so the deployed keys and indexes cannot drift from the ones the code is tested against.
 */
export class Data extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableKeys.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableKeys.sortKey, type: AttributeType.STRING },
      // On demand: nothing to pay while idle, nothing to tune for spiky pickup traffic.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Both images, so the notifications consumer can tell which transition an event item records.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: ttlAttribute,
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: props.stage.deletionProtection,
      removalPolicy: props.stage.removalPolicy,
    });

    for (const index of indexList) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        ...(index.projection === 'ALL'
          ? { projectionType: ProjectionType.ALL }
          : { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.projection] }),
      });
    }
  }
}
