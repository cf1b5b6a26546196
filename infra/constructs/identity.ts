import { Duration, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { StageConfig } from '#infra/stacks/stage';

/** The roles of docs/architecture.md §3: a user's role is the Cognito group they belong to. */
export const userGroups = ['admin', 'carrier', 'customer', 'kiosk'] as const;
export type UserGroup = (typeof userGroups)[number];

export const locationIdAttribute = 'locationId';

export interface IdentityProps {
  readonly stage: StageConfig;
}

/**
 * Who may call the API: a Cognito user pool whose ID tokens carry the groups (roles) and the
 * `custom:locationId` that binds a kiosk or a carrier to a location. Users are created by an admin
 * (scripts/user-create.ts); nobody signs themselves up into a role.
 */
export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        [locationIdAttribute]: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Plus is billed per monthly active user, so it costs nothing while idle, and it brings
      // compromised-credential checks and adaptive authentication in enforcing mode.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: props.stage.deletionProtection,
      removalPolicy: props.stage.removalPolicy,
    });

    for (const group of userGroups) {
      this.userPool.addGroup(`Group-${group}`, { groupName: group, description: `Role: ${group}` });
    }

    this.client = this.userPool.addClient('AppClient', {
      // A public client (browser app, kiosk): a client secret could not be kept secret there.
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: props.stage.allowPasswordAuthFlow },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      disableOAuth: true,
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes(locationIdAttribute),
      // Users must not move themselves to another location: only an admin (through the admin API)
      // writes custom:locationId, so the client may write nothing but the e-mail address.
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
    });

    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is optional (TOTP) rather than required: kiosks are unattended devices and customers collect parcels from their phone; Plus-tier threat protection enforces step-up on risky sign-ins instead. Admin accounts should enrol TOTP (docs/deploy.md).',
    });
  }
}
