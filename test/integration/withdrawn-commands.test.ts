import { describe, expect, it } from 'vitest';
import { doorTimeouts } from '#shared/use-cases/door-timeouts';
import { openSlot } from '#shared/use-cases/open-slot';
import { retrieveParcel } from '#shared/use-cases/retrieve-parcel';
import { createTestTable } from '#test/helpers/dynamodb';
import { actors, buildDeps, ScriptedCodes } from '#test/helpers/deps';
import { deliverPending, doorOf, slotAt, storeThroughDoor } from '#test/helpers/doors';
import { givenLocation } from '#test/helpers/fixtures';

/**
 * A pickup whose door report is late, then a maintenance open of that door whose shadow write fails
 * (the command is withdrawn), then the pickup's late "opened": the withdrawn command must not make
 * the slot forget the pickup's, or the late opening is taken for a forced door.
 */
async function lateOpeningAfter({ withdrawnMaintenance }: { withdrawnMaintenance: boolean }) {
  // Prepare: a pickup that timed out (parcel back to STORED, slot out of service as DID_NOT_OPEN).
  const deps = buildDeps(await createTestTable(), { codes: new ScriptedCodes(['4060010000']) });
  const { locationId } = await givenLocation(deps, { S: 2 });
  const parcel = await storeThroughDoor(deps, actors.carrier, { locationId, recipientId: actors.customer.sub, size: 'S' });
  const pickup = await retrieveParcel(deps, actors.customer, parcel.parcelId, '4060010000');
  await deliverPending(deps);
  deps.clock.advanceSeconds(deps.doorTimings.commandTimeoutSeconds + 6);
  await doorTimeouts(deps);
  await deliverPending(deps);
  let maintenance = 'not tried';
  if (withdrawnMaintenance) {
    deps.doors.failNextCommand = true;
    maintenance = await openSlot(deps, actors.admin, doorOf(parcel)).then(
      () => 'opened',
      (error: unknown) => String((error as { code?: string }).code),
    );
    await deliverPending(deps);
  }

  // Act: the pickup's door did open; its report arrives now.
  deps.doors.report(doorOf(parcel), { lock: 'UNLOCKED', door: 'OPEN', lastCommandId: pickup.commandId, fault: null });
  await deliverPending(deps);

  const slot = await slotAt(deps, parcel);
  return { maintenance, parcel: (await deps.parcels.get(parcel.parcelId))?.status, fault: slot.fault ?? null };
}

describe('a withdrawn door command', () => {
  it('leaves a late pickup opening recorded as RETRIEVED, as it is without the withdrawal', async () => {
    expect(await lateOpeningAfter({ withdrawnMaintenance: false })).toMatchObject({ parcel: 'RETRIEVED' });
    const withdrawn = await lateOpeningAfter({ withdrawnMaintenance: true });
    expect(withdrawn.maintenance).toBe('TRY_AGAIN');
    expect(withdrawn.parcel).toBe('RETRIEVED');
    expect(withdrawn.fault).not.toBe('FORCED_OPEN');
  });
});
