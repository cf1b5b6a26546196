/**
 * Creates a user in the deployed user pool and puts them in a role's group.
 *
 *   npm run user:create -- --email ada@example.com --role admin
 *   npm run user:create -- --email kiosk-1@example.com --role kiosk --location-id shop-1 --password '…'
 *
 * The user pool comes from --user-pool-id, else USER_POOL_ID, else the outputs file that
 * `npm run deploy` writes (cdk.out/outputs.json). Without --password Cognito e-mails a temporary
 * password that must be changed at first sign-in; with it the password is set as permanent (for
 * devices and test users).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';

const roles = ['admin', 'carrier', 'customer', 'kiosk'] as const;
type Role = (typeof roles)[number];
const outputsFile = 'cdk.out/outputs.json';

function fail(message: string): never {
  console.error(`user:create: ${message}`);
  process.exit(1);
}

function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

function userPoolFromOutputs(stage: string): string | undefined {
  if (!existsSync(outputsFile)) return undefined;
  const outputs = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>;
  return outputs[`Locker-${stage}-Stateful`]?.['UserPoolId'];
}

const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    role: { type: 'string' },
    'location-id': { type: 'string' },
    password: { type: 'string' },
    'user-pool-id': { type: 'string' },
    stage: { type: 'string', default: 'dev' },
  },
});

const email = values.email ?? fail('--email is required');
const role = values.role ?? fail(`--role is required (${roles.join(', ')})`);
if (!isRole(role)) fail(`--role must be one of ${roles.join(', ')}`);
const locationId = values['location-id'];
// A kiosk stands at one location; without the attribute the API cannot tell which.
if (role === 'kiosk' && locationId === undefined) fail('--location-id is required for a kiosk');
if (locationId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(locationId)) {
  fail('--location-id must be 1-64 letters, digits, "-" or "_"');
}
const userPoolId =
  values['user-pool-id'] ??
  process.env['USER_POOL_ID'] ??
  userPoolFromOutputs(values.stage) ??
  fail(`no user pool: pass --user-pool-id, set USER_POOL_ID, or deploy first (writes ${outputsFile})`);

const cognito = new CognitoIdentityProviderClient({});

await cognito.send(
  new AdminCreateUserCommand({
    UserPoolId: userPoolId,
    Username: email,
    UserAttributes: [
      { Name: 'email', Value: email },
      { Name: 'email_verified', Value: 'true' },
      ...(locationId === undefined ? [] : [{ Name: 'custom:locationId', Value: locationId }]),
    ],
    DesiredDeliveryMediums: ['EMAIL'],
    ...(values.password === undefined ? {} : { MessageAction: 'SUPPRESS' as const }),
  }),
);
if (values.password !== undefined) {
  await cognito.send(
    new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: email, Password: values.password, Permanent: true }),
  );
}
await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: email, GroupName: role }));

console.log(
  `Created ${email} in group ${role}${locationId === undefined ? '' : ` at location ${locationId}`} (user pool ${userPoolId}).` +
    (values.password === undefined ? ' Cognito has e-mailed a temporary password.' : ''),
);
