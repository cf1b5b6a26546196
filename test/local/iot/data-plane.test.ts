import {
  ConflictException,
  DeleteThingShadowCommand,
  GetThingShadowCommand,
  InvalidRequestException,
  ListNamedShadowsForThingCommand,
  RequestEntityTooLargeException,
  ResourceNotFoundException,
  UpdateThingShadowCommand,
  type IoTDataPlaneClient,
} from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startIotLocal, type IotLocal } from '#infra/local/iot/start';
import { dataPlaneClient, decode, encode } from './support.ts';

// The shadow rules of the AWS IoT developer guide, checked through the real SDK client with only the
// endpoint overridden. Documents are the guide's own examples where it gives one.

let iot: IotLocal;
let client: IoTDataPlaneClient;
let clock = 1_591_057_529;
let thingName: string;
let thingCount = 0;

beforeAll(async () => {
  iot = await startIotLocal({ httpPort: 0, mqttPort: 0, clock: () => new Date(clock * 1000) });
  client = dataPlaneClient(iot.dataPlaneEndpoint);
});

afterAll(async () => {
  client.destroy();
  await iot.stop();
});

beforeEach(() => {
  thingCount += 1;
  thingName = `thing-${thingCount}`;
  clock = 1_591_057_529;
});

/** null addresses the classic shadow. */
async function update(document: unknown, shadowName: string | null = 'door-01') {
  const output = await client.send(new UpdateThingShadowCommand({ thingName, shadowName: shadowName ?? undefined, payload: encode(document) }));
  return decode(output.payload);
}

async function get(shadowName: string | null = 'door-01') {
  const output = await client.send(new GetThingShadowCommand({ thingName, shadowName: shadowName ?? undefined }));
  return decode(output.payload);
}

async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof Error)) throw new Error('Expected the request to be rejected');
  return error as Error & { $metadata: { httpStatusCode?: number } };
}

describe('UpdateThingShadow', () => {
  it('answers the accepted document with the requested state, per-leaf metadata and version 1 for a new shadow', async () => {
    // Prepare
    const request = { state: { desired: { color: { r: 10 }, engine: 'ON' } } };

    // Act
    const accepted = await update(request);

    // Assess
    expect(accepted).toEqual({
      state: { desired: { color: { r: 10 }, engine: 'ON' } },
      metadata: { desired: { color: { r: { timestamp: clock } }, engine: { timestamp: clock } } },
      version: 1,
      timestamp: clock,
    });
  });

  it('echoes the client token', async () => {
    // Prepare
    const request = { state: { reported: { color: 'red' } }, clientToken: '426bfd96-e720-46d3-95cd-014e3ef12bb6' };

    // Act
    const accepted = await update(request);

    // Assess
    expect(accepted.clientToken).toBe('426bfd96-e720-46d3-95cd-014e3ef12bb6');
  });

  it('merges into the existing state, affecting only the fields specified', async () => {
    // Prepare
    await update({ state: { reported: { color: { r: 255, g: 0, b: 255 }, engine: 'ON' } } });

    // Act
    await update({ state: { reported: { color: { g: 255 } } } });

    // Assess
    expect((await get()).state).toEqual({ reported: { color: { r: 255, g: 255, b: 255 }, engine: 'ON' } });
  });

  it('deletes a property whose value is null, with its metadata', async () => {
    // Prepare
    await update({ state: { desired: { color: 'RED', engine: 'ON' } } });

    // Act
    await update({ state: { desired: { engine: null } } });

    // Assess
    const shadow = await get();
    expect(shadow.state).toEqual({ desired: { color: 'RED' }, delta: { color: 'RED' } });
    expect(shadow.metadata).toEqual({ desired: { color: { timestamp: clock } } });
  });

  it('removes the desired section when it is set to null', async () => {
    // Prepare
    await update({ state: { desired: { color: 'RED' } } });

    // Act
    await update({ state: { reported: { color: 'red' }, desired: null } });

    // Assess
    expect((await get()).state).toEqual({ reported: { color: 'red' } });
  });

  it('empties the shadow without deleting it when state is null, and still increments the version', async () => {
    // Prepare
    await update({ state: { desired: { color: 'RED' }, reported: { color: 'GREEN' } } });

    // Act
    const accepted = await update({ state: null });

    // Assess
    expect(accepted.version).toBe(2);
    expect(await get()).toEqual({ state: {}, metadata: {}, version: 2, timestamp: clock });
  });

  it('replaces an array whole', async () => {
    // Prepare
    await update({ state: { desired: { colors: ['RED', 'GREEN', 'BLUE'] } } });

    // Act
    await update({ state: { desired: { colors: ['RED'] } } });

    // Assess
    const shadow = await get();
    expect(shadow.state).toEqual({ desired: { colors: ['RED'] }, delta: { colors: ['RED'] } });
    expect(shadow.metadata).toEqual({ desired: { colors: [{ timestamp: clock }] } });
  });

  it('keeps the timestamps of the leaves an update did not touch', async () => {
    // Prepare
    const first = clock;
    await update({ state: { reported: { color: 'GREEN', engine: 'ON' } } });
    clock = first + 60;

    // Act
    await update({ state: { reported: { engine: 'OFF' } } });

    // Assess
    expect((await get()).metadata).toEqual({ reported: { color: { timestamp: first }, engine: { timestamp: first + 60 } } });
  });

  it('accepts an update carrying the current version and increments it', async () => {
    // Prepare: the guide's optimistic locking example starts at version 10.
    for (let version = 0; version < 10; version += 1) await update({ state: { desired: { colors: ['RED', 'GREEN', 'BLUE'] } } });

    // Act
    const accepted = await update({ state: { desired: { colors: ['BLUE'] } }, version: 10 });

    // Assess
    expect(accepted.version).toBe(11);
    expect((await get()).state).toMatchObject({ desired: { colors: ['BLUE'] } });
  });

  it('rejects an update carrying a stale version with 409 Version conflict', async () => {
    // Prepare
    for (let version = 0; version < 10; version += 1) await update({ state: { desired: { colors: ['RED', 'GREEN', 'BLUE'] } } });

    // Act
    const error = await rejection(update({ state: { desired: { colors: ['BLUE'] } }, version: 9, clientToken: 'token-9' }));

    // Assess
    expect(error).toBeInstanceOf(ConflictException);
    expect(error.$metadata.httpStatusCode).toBe(409);
    expect(error.message).toBe('Version conflict');
    expect((await get()).version).toBe(10);
  });

  it('rejects a state of more than 8 KB once merged with 413', async () => {
    // Prepare
    await update({ state: { reported: { log: 'x'.repeat(5000) } } });

    // Act
    const error = await rejection(update({ state: { desired: { note: 'y'.repeat(5000) } } }));

    // Assess
    expect(error).toBeInstanceOf(RequestEntityTooLargeException);
    expect(error.$metadata.httpStatusCode).toBe(413);
    expect(error.message).toBe('The payload exceeds the maximum size allowed');
  });

  it.each([
    ['Invalid JSON', '{"state": '],
    ['Missing required node: state', '{"clientToken": "abc"}'],
    ['State node must be an object', '{"state": "ON"}'],
    ['Desired node must be an object', '{"state": {"desired": ["RED"]}}'],
    ['Reported node must be an object', '{"state": {"reported": 55}}'],
    ['State contains an invalid node', '{"state": {"delta": {"color": "RED"}}}'],
    ['State contains an invalid node', '{"state": {"desired": {"colors": [null, "RED", "GREEN"]}}}'],
    ['Invalid version', '{"state": {"desired": {"color": "RED"}}, "version": "one"}'],
    ['Invalid clientToken', `{"state": {"desired": {"color": "RED"}}, "clientToken": "${'t'.repeat(65)}"}`],
    ['JSON contains too many levels of nesting; maximum is 6', '{"state": {"desired": {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}}}'],
  ])('rejects a malformed request with 400 "%s"', async (message, body) => {
    // Prepare
    const payload = new TextEncoder().encode(body);

    // Act
    const error = await rejection(client.send(new UpdateThingShadowCommand({ thingName, shadowName: 'door-01', payload })));

    // Assess
    expect(error).toBeInstanceOf(InvalidRequestException);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(message);
  });

  it('accepts six levels of nesting', async () => {
    // Prepare
    const request = { state: { desired: { a: { b: { c: { d: { e: { f: 1 } } } } } } } };

    // Act
    const accepted = await update(request);

    // Assess
    expect(accepted.version).toBe(1);
  });
});

describe('GetThingShadow', () => {
  it('answers the delta of the desired fields that reported lacks or differs on, with their desired metadata', async () => {
    // Prepare
    await update({ state: { desired: { color: 'RED', state: 'STOP' }, reported: { color: 'GREEN', engine: 'ON' } } });

    // Act
    const shadow = await get();

    // Assess
    expect(shadow).toEqual({
      state: {
        desired: { color: 'RED', state: 'STOP' },
        reported: { color: 'GREEN', engine: 'ON' },
        delta: { color: 'RED', state: 'STOP' },
      },
      metadata: {
        desired: { color: { timestamp: clock }, state: { timestamp: clock } },
        reported: { color: { timestamp: clock }, engine: { timestamp: clock } },
      },
      version: 1,
      timestamp: clock,
    });
  });

  it('keeps the path to the root in the delta of nested objects', async () => {
    // Prepare
    await update({ state: { desired: { lights: { color: { r: 255, g: 255, b: 255 } } } } });
    await update({ state: { reported: { lights: { color: { r: 255, g: 0, b: 255 } } } } });

    // Act
    const shadow = await get();

    // Assess
    expect(shadow.state).toMatchObject({ delta: { lights: { color: { g: 255 } } } });
  });

  it('has no delta once reported matches desired', async () => {
    // Prepare
    await update({ state: { desired: { lock: 'UNLOCKED' } } });
    await update({ state: { reported: { lock: 'UNLOCKED', door: 'OPEN' } } });

    // Act
    const shadow = await get();

    // Assess
    expect(shadow.state).toEqual({ desired: { lock: 'UNLOCKED' }, reported: { lock: 'UNLOCKED', door: 'OPEN' } });
  });

  it('answers 404 ResourceNotFoundException for a shadow that does not exist', async () => {
    // Prepare
    await update({ state: { reported: { lock: 'LOCKED' } } }, 'door-01');

    // Act
    const error = await rejection(get('door-02'));

    // Assess
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toBe(`No shadow exists with name: '${thingName}~door-02'`);
  });

  it('keeps the classic shadow apart from the named ones', async () => {
    // Prepare
    await update({ state: { reported: { firmware: '1.0.0' } } }, null);
    await update({ state: { reported: { lock: 'LOCKED' } } }, 'door-01');

    // Act
    const classic = await get(null);

    // Assess
    expect(classic.state).toEqual({ reported: { firmware: '1.0.0' } });
  });
});

describe('DeleteThingShadow', () => {
  it('answers the version and timestamp, after which the shadow is gone', async () => {
    // Prepare
    await update({ state: { reported: { lock: 'LOCKED' } } });
    await update({ state: { reported: { door: 'CLOSED' } } });

    // Act
    const output = await client.send(new DeleteThingShadowCommand({ thingName, shadowName: 'door-01' }));

    // Assess
    expect(decode(output.payload)).toEqual({ version: 2, timestamp: clock });
    expect(await rejection(get())).toBeInstanceOf(ResourceNotFoundException);
  });

  it('does not reset the version: a shadow created again continues from it', async () => {
    // Prepare
    await update({ state: { reported: { lock: 'LOCKED' } } });
    await update({ state: { reported: { door: 'CLOSED' } } });
    await client.send(new DeleteThingShadowCommand({ thingName, shadowName: 'door-01' }));

    // Act
    const accepted = await update({ state: { reported: { lock: 'LOCKED' } } });

    // Assess
    expect(accepted.version).toBe(3);
  });

  it('answers 404 for a shadow that does not exist', async () => {
    // Act
    const error = await rejection(client.send(new DeleteThingShadowCommand({ thingName, shadowName: 'door-09' })));

    // Assess
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('ListNamedShadowsForThing', () => {
  it('lists the named shadows of the thing only, without the classic one', async () => {
    // Prepare
    await update({ state: { reported: { firmware: '1.0.0' } } }, null);
    await update({ state: { reported: { lock: 'LOCKED' } } }, 'door-02');
    await update({ state: { reported: { lock: 'LOCKED' } } }, 'door-01');

    // Act
    const output = await client.send(new ListNamedShadowsForThingCommand({ thingName }));

    // Assess
    expect(output.results).toEqual(['door-01', 'door-02']);
    expect(output.nextToken).toBeUndefined();
    expect(output.timestamp).toBe(clock);
  });

  it('pages with pageSize and nextToken', async () => {
    // Prepare
    for (const shadowName of ['door-01', 'door-02', 'door-03']) await update({ state: { reported: { lock: 'LOCKED' } } }, shadowName);
    const first = await client.send(new ListNamedShadowsForThingCommand({ thingName, pageSize: 2 }));

    // Act
    const second = await client.send(new ListNamedShadowsForThingCommand({ thingName, pageSize: 2, nextToken: first.nextToken }));

    // Assess
    expect(first.results).toEqual(['door-01', 'door-02']);
    expect(second.results).toEqual(['door-03']);
    expect(second.nextToken).toBeUndefined();
  });
});

describe('HTTP errors', () => {
  it('carry the x-amzn-ErrorType header and the guide\'s error response document', async () => {
    // Act
    const response = await fetch(`${iot.dataPlaneEndpoint}/things/${thingName}/shadow?name=door-01`);

    // Assess
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(await response.json()).toEqual({ code: 404, message: `No shadow exists with name: '${thingName}~door-01'`, timestamp: clock });
  });
});
