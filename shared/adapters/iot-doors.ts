import { GetThingShadowCommand, IoTDataPlaneClient, ResourceNotFoundException, ConflictException, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { clearDocument, commandDocument, doorShadowName, thingNameOf, type DoorCommand } from '#shared/domain/door';
import type { DoorAddress, DoorController } from '#shared/ports';
import { sdkSettings, type SdkSettings } from '#shared/config';
import { clientOptions, keepingDeadline } from './sdk.ts';

/**
 * Doors through AWS IoT device shadows (IoT Data Plane): one thing per locker, one named shadow
 * per door. The same adapter talks to the local stand-in; only the endpoint differs.
 */
export class IotShadowDoors implements DoorController {
  constructor(private readonly client: IoTDataPlaneClient) {}

  async command(door: DoorAddress, command: DoorCommand): Promise<void> {
    await this.client.send(
      new UpdateThingShadowCommand({
        thingName: thingNameOf(door.locationId, door.lockerId),
        shadowName: doorShadowName(door.slotId),
        payload: encode(commandDocument(command)),
      }),
    );
  }

  async clear(door: DoorAddress, commandId: string): Promise<void> {
    const thingName = thingNameOf(door.locationId, door.lockerId);
    const shadowName = doorShadowName(door.slotId);
    // Read, then clear conditionally on the version read: a newer command written in between
    // makes the update fail with a version conflict instead of being wiped; then read again.
    for (let attempt = 0; attempt < 3; attempt++) {
      let document: { version?: number; state?: { desired?: { commandId?: unknown } } };
      try {
        const { payload } = await this.client.send(new GetThingShadowCommand({ thingName, shadowName }));
        document = JSON.parse(new TextDecoder().decode(payload)) as typeof document;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return;
        throw error;
      }
      if (document.state?.desired?.commandId !== commandId) return;
      try {
        await this.client.send(new UpdateThingShadowCommand({ thingName, shadowName, payload: encode(clearDocument(document.version)) }));
        return;
      } catch (error) {
        if (!(error instanceof ConflictException)) throw error;
      }
    }
  }
}

function encode(document: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(document));
}

export function createIotDataClient(endpoint: string, settings: SdkSettings = sdkSettings()): IoTDataPlaneClient {
  return keepingDeadline(new IoTDataPlaneClient({ ...clientOptions(settings), endpoint }), 'The locker');
}
