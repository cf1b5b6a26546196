import {
  ConflictException,
  GetThingShadowCommand,
  IoTDataPlaneClient,
  type GetThingShadowCommandOutput,
  ResourceNotFoundException,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { IotShadowDoors } from '#shared/adapters/iot-doors';
import type { DoorCommand } from '#shared/domain/door';

const mock = mockClient(IoTDataPlaneClient);
const doors = new IotShadowDoors(new IoTDataPlaneClient({ region: 'eu-west-1', endpoint: 'https://iot.example.test' }));

const door = { locationId: 'loc-1', lockerId: 'A', slotId: '02' };
const shadow = { thingName: 'loc-1:A', shadowName: 'door-02' };
const command: DoorCommand = { lock: 'UNLOCKED', commandId: 'cmd-1', reason: 'PICKUP', expiresAt: 1_795_341_630 };

/** The SDK hands back a Uint8Array subclass; the adapter only decodes its bytes. */
const encoded = (document: unknown) => new TextEncoder().encode(JSON.stringify(document)) as NonNullable<GetThingShadowCommandOutput['payload']>;

/** Each UpdateThingShadow sent, with its payload read back as JSON. */
const updates = () =>
  mock.commandCalls(UpdateThingShadowCommand).map((call) => {
    const { payload, ...rest } = call.args[0].input;
    return { ...rest, payload: JSON.parse(new TextDecoder().decode(payload as Uint8Array)) as unknown };
  });

/** A shadow as GetThingShadow returns it: the service's `desired`, the locker's `reported`, the version. */
const shadowWith = (desired: object | undefined, version: number) => ({
  payload: encoded({
    state: { ...(desired ? { desired } : {}), reported: { lock: 'LOCKED', door: 'CLOSED', lastCommandId: 'cmd-0' } },
    metadata: {},
    version,
    timestamp: 1_795_341_600,
  }),
});

const conflict = () => new ConflictException({ message: 'Version conflict', $metadata: {} });

beforeEach(() => {
  mock.reset();
});

describe('IotShadowDoors.command', () => {
  it('writes the command into the desired state of the door\'s named shadow on the locker\'s thing', async () => {
    // Prepare
    mock.on(UpdateThingShadowCommand).resolves({});

    // Act
    await doors.command(door, command);

    // Assess
    expect(updates()).toEqual([{ ...shadow, payload: { state: { desired: command } } }]);
  });

  it('lets a failed write through, so the caller knows the door was not commanded', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    mock.on(UpdateThingShadowCommand).rejects(throttled);

    // Act
    const commanding = doors.command(door, command);

    // Assess
    await expect(commanding).rejects.toBe(throttled);
  });
});

describe('IotShadowDoors.clear', () => {
  it('reads the shadow, then clears desired conditionally on the version it read while it still holds the command', async () => {
    // Prepare
    mock.on(GetThingShadowCommand).resolves(shadowWith(command, 7));
    mock.on(UpdateThingShadowCommand).resolves({});

    // Act
    await doors.clear(door, 'cmd-1');

    // Assess
    expect({ gets: mock.commandCalls(GetThingShadowCommand).map((call) => call.args[0].input), updates: updates() }).toEqual({
      gets: [shadow],
      updates: [{ ...shadow, payload: { state: { desired: null }, version: 7 } }],
    });
  });

  it('leaves a newer command in desired alone', async () => {
    // Prepare
    mock.on(GetThingShadowCommand).resolves(shadowWith({ ...command, commandId: 'cmd-2' }, 9));

    // Act
    await doors.clear(door, 'cmd-1');

    // Assess
    expect(updates()).toEqual([]);
  });

  it('writes nothing when desired is already empty', async () => {
    // Prepare
    mock.on(GetThingShadowCommand).resolves(shadowWith(undefined, 9));

    // Act
    await doors.clear(door, 'cmd-1');

    // Assess
    expect(updates()).toEqual([]);
  });

  it('returns quietly when the door has no shadow', async () => {
    // Prepare
    mock.on(GetThingShadowCommand).rejects(new ResourceNotFoundException({ message: 'No shadow exists with name: \'door-02\'', $metadata: {} }));

    // Act
    await doors.clear(door, 'cmd-1');

    // Assess
    expect(updates()).toEqual([]);
  });

  it('reads again after a version conflict and clears on the new version', async () => {
    // Prepare: the locker reported between the read and the write.
    mock.on(GetThingShadowCommand).resolvesOnce(shadowWith(command, 7)).resolvesOnce(shadowWith(command, 8));
    mock.on(UpdateThingShadowCommand).rejectsOnce(conflict()).resolves({});

    // Act
    await doors.clear(door, 'cmd-1');

    // Assess
    expect(updates().map((update) => update.payload)).toEqual([
      { state: { desired: null }, version: 7 },
      { state: { desired: null }, version: 8 },
    ]);
  });

  it('stops after a version conflict when the shadow now holds a newer command', async () => {
    // Prepare
    mock.on(GetThingShadowCommand).resolvesOnce(shadowWith(command, 7)).resolvesOnce(shadowWith({ ...command, commandId: 'cmd-2' }, 8));
    mock.on(UpdateThingShadowCommand).rejectsOnce(conflict()).resolves({});

    // Act
    await doors.clear(door, 'cmd-1');

    // Assess
    expect(updates().map((update) => update.payload)).toEqual([{ state: { desired: null }, version: 7 }]);
  });

  it('gives up after three conflicting attempts instead of racing a busy door forever', async () => {
    // Prepare
    mock.on(GetThingShadowCommand).resolves(shadowWith(command, 7));
    mock.on(UpdateThingShadowCommand).rejects(conflict());

    // Act
    await doors.clear(door, 'cmd-1');

    // Assess
    expect({ gets: mock.commandCalls(GetThingShadowCommand).length, updates: updates().length }).toEqual({ gets: 3, updates: 3 });
  });

  it('lets any other error of the write through', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    mock.on(GetThingShadowCommand).resolves(shadowWith(command, 7));
    mock.on(UpdateThingShadowCommand).rejects(throttled);

    // Act
    const clearing = doors.clear(door, 'cmd-1');

    // Assess
    await expect(clearing).rejects.toBe(throttled);
  });

  it('lets any other error of the read through', async () => {
    // Prepare
    const denied = Object.assign(new Error('Not authorized'), { name: 'UnauthorizedException' });
    mock.on(GetThingShadowCommand).rejects(denied);

    // Act
    const clearing = doors.clear(door, 'cmd-1');

    // Assess
    await expect(clearing).rejects.toBe(denied);
  });
});
