/**
 * Provisions one locker on AWS IoT Core: its thing, an X.509 certificate and key, the locker policy
 * on the certificate, the certificate on the thing, and a thing.json with everything the firmware
 * needs to connect (docs/door-contract.md).
 *
 *   npm run locker:provision -- --location central --locker A
 *   npm run locker:provision -- --location central --locker A --policy <name> --out ./central-A --region eu-west-1
 *
 * The policy comes from --policy, else from the outputs file `npm run deploy` writes
 * (cdk.out/outputs.json, output LockerPolicyName of Locker-<stage>-Stateless).
 *
 * Safe to run again: an existing thing is reused (as are its attributes), and a certificate already
 * written to the output directory for this thing is reused instead of minting another; attaching
 * the policy and the thing principal again changes nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  IoTClient,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-iot';
import { thingNameOf } from '#shared/domain/door';
import { identifier, lockerIdentifier } from '#shared/http/schemas';

export const usage = `Usage: npm run locker:provision -- --location <locationId> --locker <lockerId> [--policy <name>] [--out <dir>] [--region <region>] [--stage dev|prod]

  --location  the location id (1-64 letters, digits, "-" or "_")
  --locker    the locker id (1-63 letters, digits, "-" or "_")
  --policy    the IoT policy for lockers; default: LockerPolicyName from cdk.out/outputs.json
  --out       where certificate.pem, private.key and thing.json go; default: .local/lockers/<location>/<locker>
  --region    the AWS region; default: the SDK's (AWS_REGION, profile)
  --stage     the stage whose outputs name the policy; default: dev`;

const outputsFile = 'cdk.out/outputs.json';

export const files = { certificate: 'certificate.pem', privateKey: 'private.key', thing: 'thing.json' } as const;

export interface ProvisionRequest {
  readonly locationId: string;
  readonly lockerId: string;
  readonly policyName: string;
  readonly outDirectory: string;
}

/** What thing.json holds: how a locker connects and who it is. */
export interface ThingFile {
  readonly thingName: string;
  /** The MQTT client id the locker must use: its thing name (the policy allows no other). */
  readonly clientId: string;
  readonly locationId: string;
  readonly lockerId: string;
  /** The account's `iot:Data-ATS` endpoint, MQTT over TLS on port 8883. */
  readonly endpoint: string;
  readonly port: number;
  readonly certificateArn: string;
  readonly certificateId: string;
  readonly policyName: string;
  readonly certificateFile: string;
  readonly privateKeyFile: string;
}

export interface ProvisionResult {
  readonly thing: ThingFile;
  readonly createdThing: boolean;
  readonly createdCertificate: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The arguments as a request, or a UsageError saying what is wrong. `policyFromOutputs` reads the
 * deploy's outputs file; a parameter so tests need no file.
 */
export function parseProvisionArgs(
  argv: readonly string[],
  policyFromOutputs: (stage: string) => string | undefined = readPolicyFromOutputs,
): { request: ProvisionRequest; region?: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        location: { type: 'string' },
        locker: { type: 'string' },
        policy: { type: 'string' },
        out: { type: 'string' },
        region: { type: 'string' },
        stage: { type: 'string', default: 'dev' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const locationId = values.location ?? fail('--location is required');
  const lockerId = values.locker ?? fail('--locker is required');
  // The same rules the API applies when the location and the locker are created.
  if (!identifier.safeParse(locationId).success) fail('--location must be 1-64 letters, digits, "-" or "_"');
  if (!lockerIdentifier.safeParse(lockerId).success) fail('--locker must be 1-63 letters, digits, "-" or "_"');
  const policyName =
    values.policy ?? policyFromOutputs(values.stage) ?? fail(`no IoT policy: pass --policy, or deploy first (writes ${outputsFile})`);
  return {
    request: { locationId, lockerId, policyName, outDirectory: resolve(values.out ?? join('.local', 'lockers', locationId, lockerId)) },
    ...(values.region === undefined ? {} : { region: values.region }),
  };
}

function fail(message: string): never {
  throw new UsageError(message);
}

function readPolicyFromOutputs(stage: string): string | undefined {
  if (!existsSync(outputsFile)) return undefined;
  const outputs = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string> | undefined>;
  return outputs[`Locker-${stage}-Stateless`]?.['LockerPolicyName'];
}

/**
 * The certificate this directory already holds for the thing, if any. A directory holding another
 * thing's files, or a key without its record, is refused rather than overwritten: a private key
 * exists only here, and losing it means a new certificate.
 */
async function existingCertificate(directory: string, thingName: string): Promise<{ certificateArn: string; certificateId: string } | undefined> {
  const thingPath = join(directory, files.thing);
  const present = [files.certificate, files.privateKey, files.thing].filter((file) => existsSync(join(directory, file)));
  if (present.length === 0) return undefined;
  if (!existsSync(thingPath)) throw new Error(`${directory} holds ${present.join(', ')} but no ${files.thing}: move them away or pick another --out`);
  const recorded = JSON.parse(await readFile(thingPath, 'utf8')) as Partial<ThingFile>;
  if (recorded.thingName !== thingName) {
    throw new Error(`${directory} holds the files of ${String(recorded.thingName)}, not ${thingName}: pick another --out`);
  }
  if (present.length !== 3 || recorded.certificateArn === undefined || recorded.certificateId === undefined) {
    throw new Error(`${directory} holds an incomplete certificate for ${thingName}: move it away to mint a new one`);
  }
  return { certificateArn: recorded.certificateArn, certificateId: recorded.certificateId };
}

/**
 * 1. Reuse the thing `<locationId>:<lockerId>`, or create it.
 * 2. Create an active certificate and key, written at once (the key is never shown again), unless
 *    the output directory already holds this thing's.
 * 3. Attach the locker policy to the certificate, and the certificate to the thing.
 * 4. Read the account's `iot:Data-ATS` endpoint and write thing.json.
 */
export async function provisionLocker(iot: IoTClient, request: ProvisionRequest): Promise<ProvisionResult> {
  const { locationId, lockerId, policyName, outDirectory } = request;
  const thingName = thingNameOf(locationId, lockerId);
  const reused = await existingCertificate(outDirectory, thingName);

  const createdThing = await ensureThing(iot, thingName, { locationId, lockerId });

  let certificate = reused;
  if (certificate === undefined) {
    const created = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    if (!created.certificateArn || !created.certificateId || !created.certificatePem || !created.keyPair?.PrivateKey) {
      throw new Error('CreateKeysAndCertificate answered without a certificate or key');
    }
    certificate = { certificateArn: created.certificateArn, certificateId: created.certificateId };
    await mkdir(outDirectory, { recursive: true, mode: 0o700 });
    await writeFile(join(outDirectory, files.certificate), created.certificatePem, { flag: 'wx' });
    await writeFile(join(outDirectory, files.privateKey), created.keyPair.PrivateKey, { flag: 'wx', mode: 0o600 });
    // writeFile's mode is narrowed by the umask, never widened; chmod states it whatever the umask.
    await chmod(join(outDirectory, files.privateKey), 0o600);
    await writeThingFile(outDirectory, { thingName, locationId, lockerId, policyName, ...certificate, endpoint: '' });
  }

  try {
    await iot.send(new AttachPolicyCommand({ policyName, target: certificate.certificateArn }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) throw new Error(`No IoT policy ${policyName} in this account and region: deploy the stack or pass --policy`);
    throw error;
  }
  await iot.send(new AttachThingPrincipalCommand({ thingName, principal: certificate.certificateArn }));

  const { endpointAddress } = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
  if (!endpointAddress) throw new Error('DescribeEndpoint answered without an address');
  const thing = await writeThingFile(outDirectory, { thingName, locationId, lockerId, policyName, ...certificate, endpoint: endpointAddress });
  return { thing, createdThing, createdCertificate: reused === undefined };
}

/** Whether the thing had to be created; one of that name is the locker's, whatever its attributes. */
async function ensureThing(iot: IoTClient, thingName: string, attributes: Record<string, string>): Promise<boolean> {
  try {
    await iot.send(new DescribeThingCommand({ thingName }));
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  try {
    await iot.send(new CreateThingCommand({ thingName, attributePayload: { attributes } }));
    return true;
  } catch (error) {
    // Created meanwhile by another run.
    if (error instanceof ResourceAlreadyExistsException) return false;
    throw error;
  }
}

async function writeThingFile(
  directory: string,
  fields: Pick<ThingFile, 'thingName' | 'locationId' | 'lockerId' | 'policyName' | 'certificateArn' | 'certificateId' | 'endpoint'>,
): Promise<ThingFile> {
  const thing: ThingFile = {
    thingName: fields.thingName,
    clientId: fields.thingName,
    locationId: fields.locationId,
    lockerId: fields.lockerId,
    endpoint: fields.endpoint,
    port: 8883,
    certificateArn: fields.certificateArn,
    certificateId: fields.certificateId,
    policyName: fields.policyName,
    certificateFile: files.certificate,
    privateKeyFile: files.privateKey,
  };
  await writeFile(join(directory, files.thing), `${JSON.stringify(thing, null, 2)}\n`);
  return thing;
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseProvisionArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`locker:provision: ${error.message}\n\n${usage}`);
    process.exit(2);
  }
  const iot = new IoTClient(parsed.region === undefined ? {} : { region: parsed.region });
  try {
    const { thing, createdThing, createdCertificate } = await provisionLocker(iot, parsed.request);
    console.log(
      [
        `${createdThing ? 'Created' : 'Reused'} thing ${thing.thingName}; ${createdCertificate ? 'created' : 'reused'} certificate ${thing.certificateId} with policy ${thing.policyName}.`,
        `Connect as client id ${thing.clientId} to ${thing.endpoint}:${thing.port} (MQTT over TLS, Amazon Root CA 1).`,
        `Files: ${parsed.request.outDirectory}/{${files.certificate},${files.privateKey},${files.thing}}; keep ${files.privateKey} secret.`,
      ].join('\n'),
    );
  } finally {
    iot.destroy();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
