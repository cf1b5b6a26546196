import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  IoTClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseProvisionArgs, provisionLocker, type ProvisionRequest, UsageError } from '../../../scripts/locker-provision.ts';

const mock = mockClient(IoTClient);
const iot = new IoTClient({ region: 'eu-west-1' });
const certificateArn = 'arn:aws:iot:eu-west-1:123456789012:cert/abc123';
const endpointAddress = 'a1b2c3-ats.iot.eu-west-1.amazonaws.com';

const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });

/** Every command sent, in order, as its name and its exact input. */
function sent(): [string, unknown][] {
  return mock.calls().map((call) => {
    const command = call.args[0] as { constructor: { name: string }; input: unknown };
    return [command.constructor.name, command.input];
  });
}

let directory: string;
let request: ProvisionRequest;

beforeEach(() => {
  mock.reset();
  directory = mkdtempSync(join(tmpdir(), 'locker-provision-'));
  request = { locationId: 'central', lockerId: 'A', policyName: 'LockerPolicy-xyz', outDirectory: join(directory, 'central', 'A') };
  mock.on(DescribeThingCommand).rejects(notFound());
  mock.on(CreateThingCommand).resolves({ thingName: 'central:A' });
  mock.on(CreateKeysAndCertificateCommand).resolves({
    certificateArn,
    certificateId: 'abc123',
    certificatePem: '-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n',
    keyPair: { PrivateKey: '-----BEGIN RSA PRIVATE KEY-----\nKEY\n-----END RSA PRIVATE KEY-----\n', PublicKey: 'PUBLIC' },
  });
  mock.on(AttachPolicyCommand).resolves({});
  mock.on(AttachThingPrincipalCommand).resolves({});
  mock.on(DescribeEndpointCommand).resolves({ endpointAddress });
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('provisioning a locker', () => {
  it('creates the thing, an active certificate, attaches the policy and the thing, and reads the ATS endpoint, in that order', async () => {
    // Act
    await provisionLocker(iot, request);

    // Assess
    expect(sent()).toEqual([
      ['DescribeThingCommand', { thingName: 'central:A' }],
      ['CreateThingCommand', { thingName: 'central:A', attributePayload: { attributes: { locationId: 'central', lockerId: 'A' } } }],
      ['CreateKeysAndCertificateCommand', { setAsActive: true }],
      ['AttachPolicyCommand', { policyName: 'LockerPolicy-xyz', target: certificateArn }],
      ['AttachThingPrincipalCommand', { thingName: 'central:A', principal: certificateArn }],
      ['DescribeEndpointCommand', { endpointType: 'iot:Data-ATS' }],
    ]);
  });

  it('writes the certificate, the private key readable by its owner only, and thing.json with the endpoint and client id', async () => {
    // Act
    const result = await provisionLocker(iot, request);

    // Assess
    const out = request.outDirectory;
    expect(readFileSync(join(out, 'certificate.pem'), 'utf8')).toContain('CERT');
    expect(readFileSync(join(out, 'private.key'), 'utf8')).toContain('KEY');
    expect(statSync(join(out, 'private.key')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(out, 'thing.json'), 'utf8'))).toEqual({
      thingName: 'central:A',
      clientId: 'central:A',
      locationId: 'central',
      lockerId: 'A',
      endpoint: endpointAddress,
      port: 8883,
      certificateArn,
      certificateId: 'abc123',
      policyName: 'LockerPolicy-xyz',
      certificateFile: 'certificate.pem',
      privateKeyFile: 'private.key',
    });
    expect(result).toEqual(expect.objectContaining({ createdThing: true, createdCertificate: true }));
  });

  it('reuses a thing that exists', async () => {
    // Prepare
    mock.on(DescribeThingCommand).resolves({ thingName: 'central:A' });

    // Act
    const result = await provisionLocker(iot, request);

    // Assess
    expect(mock.commandCalls(CreateThingCommand)).toHaveLength(0);
    expect(result.createdThing).toBe(false);
  });

  it('reuses the certificate already written for this thing instead of minting another, and attaches it again', async () => {
    // Prepare
    await provisionLocker(iot, request);
    mock.resetHistory();
    mock.on(DescribeThingCommand).resolves({ thingName: 'central:A' });

    // Act
    const result = await provisionLocker(iot, request);

    // Assess
    expect(sent()).toEqual([
      ['DescribeThingCommand', { thingName: 'central:A' }],
      ['AttachPolicyCommand', { policyName: 'LockerPolicy-xyz', target: certificateArn }],
      ['AttachThingPrincipalCommand', { thingName: 'central:A', principal: certificateArn }],
      ['DescribeEndpointCommand', { endpointType: 'iot:Data-ATS' }],
    ]);
    expect(result).toEqual(expect.objectContaining({ createdThing: false, createdCertificate: false }));
  });

  it("refuses a directory holding another locker's files, before sending anything", async () => {
    // Prepare
    mkdirSync(request.outDirectory, { recursive: true });
    writeFileSync(join(request.outDirectory, 'thing.json'), JSON.stringify({ thingName: 'central:B' }));

    // Act
    const attempt = provisionLocker(iot, request);

    // Assess
    await expect(attempt).rejects.toThrow(/holds the files of central:B, not central:A/);
    expect(sent()).toEqual([]);
  });

  it('names the policy when the account has no such policy', async () => {
    // Prepare
    mock.on(AttachPolicyCommand).rejects(notFound());

    // Act
    const attempt = provisionLocker(iot, request);

    // Assess
    await expect(attempt).rejects.toThrow('No IoT policy LockerPolicy-xyz in this account and region: deploy the stack or pass --policy');
  });
});

describe('the arguments', () => {
  const noOutputs = () => undefined;

  it('takes the ids, the policy, the output directory and the region', () => {
    // Act
    const parsed = parseProvisionArgs(
      ['--location', 'central', '--locker', 'A', '--policy', 'P', '--out', 'certs', '--region', 'eu-west-1'],
      noOutputs,
    );

    // Assess
    expect(parsed).toEqual({
      request: { locationId: 'central', lockerId: 'A', policyName: 'P', outDirectory: resolve('certs') },
      region: 'eu-west-1',
    });
  });

  it("takes the policy from the stage's deploy outputs, and writes under .local/lockers/<location>/<locker> by default", () => {
    // Act
    const parsed = parseProvisionArgs(['--location', 'central', '--locker', 'A', '--stage', 'prod'], (stage) =>
      stage === 'prod' ? 'ProdPolicy' : undefined,
    );

    // Assess
    expect(parsed.request).toEqual({
      locationId: 'central',
      lockerId: 'A',
      policyName: 'ProdPolicy',
      outDirectory: resolve('.local/lockers/central/A'),
    });
  });

  it.each([
    [['--locker', 'A', '--policy', 'P'], /--location is required/],
    [['--location', 'central', '--policy', 'P'], /--locker is required/],
    [['--location', 'cen:tral', '--locker', 'A', '--policy', 'P'], /--location must be 1-64/],
    [['--location', 'central', '--locker', 'x'.repeat(64), '--policy', 'P'], /--locker must be 1-63/],
    [['--location', 'central', '--locker', 'A'], /no IoT policy/],
    [['--location', 'central', '--locker', 'A', '--policy', 'P', '--colour', 'red'], /Unknown option '--colour'/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseProvisionArgs(argv, noOutputs)).toThrow(UsageError);
    expect(() => parseProvisionArgs(argv, noOutputs)).toThrow(message);
  });

  it('prints what is wrong and the usage, and exits 2, on a wrong argument', async () => {
    // Act
    const failure = (await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/locker-provision.ts', '--locker', 'A']).then(
      () => undefined,
      (error: unknown) => error,
    )) as { code?: number; stderr?: string } | undefined;

    // Assess
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('locker:provision: --location is required');
    expect(failure?.stderr).toContain('Usage: npm run locker:provision -- --location <locationId> --locker <lockerId>');
  }, 20_000);
});
