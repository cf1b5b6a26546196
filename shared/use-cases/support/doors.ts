import { spreadAmongEquals } from '#shared/domain/allocation';
import { decideDoor, type DoorDecision, type DoorInput, type EventDraft } from '#shared/domain/door-reconcile';
import { newCommand, type CommandReason, type DoorCommand } from '#shared/domain/door';
import { transitioned } from '#shared/domain/parcel';
import { deadlineOf, endedCommand, settle, withEnded, type ActiveCommand, type Slot, type SlotAddress, type SlotSize } from '#shared/domain/slot';
import type { Change, DoorAddress, StoredParcel } from '#shared/ports';
import { auditEvent, type Deps } from '../deps.ts';
import { stale, untilSettled, type Attempt } from './fresh-state.ts';

export type DoorDeps = Pick<Deps, 'locations' | 'parcels' | 'changes' | 'doors' | 'doorTimings' | 'clock' | 'ids' | 'metrics' | 'logger' | 'allocation'>;

/** A command to write into a door's shadow, and the slot's record of it. */
export function prepareCommand(deps: Pick<Deps, 'ids' | 'doorTimings'>, reason: CommandReason, now: Date, parcelId?: string) {
  const shadow = newCommand(deps.ids.next(), reason, now, deps.doorTimings);
  const record: ActiveCommand = {
    commandId: shadow.commandId,
    reason,
    expiresAt: new Date(shadow.expiresAt * 1000).toISOString(),
    ...(parcelId ? { parcelId } : {}),
  };
  return { shadow, record, deadline: deadlineOf({ ...noSlot, command: record }, deps.doorTimings)! };
}

/** A command this close to its expiry would likely be refused by the locker before it acts. */
const resendMarginMs = 5_000;

/**
 * The slot's command of this reason (and id, when given) if it still waits on its door: not yet
 * seen open, and not about to expire. A caller repeating a request whose answer was lost gets this
 * command written into the shadow again rather than a refusal: the locker acts on each command id
 * once, so a door already opening does not open twice.
 */
export function waitingCommand(slot: Slot | undefined, reason: CommandReason, now: Date, commandId?: string): ActiveCommand | undefined {
  const command = slot?.command;
  if (!command || command.reason !== reason || command.openedVersion !== undefined) return undefined;
  if (commandId !== undefined && command.commandId !== commandId) return undefined;
  return Date.parse(command.expiresAt) - now.getTime() > resendMarginMs ? command : undefined;
}

/**
 * Writes a waiting command into its door's shadow again, exactly as first sent. The write is not
 * conditional, and the command may have ended between our read and it (a cancel, a timeout): the
 * locker would then act on a command the service no longer waits on. So the slot is read again
 * afterwards, and a command that is no longer the slot's is cleared. Either that read sees the
 * ending, or the ending commits after it and its own clear comes after our write.
 */
export async function resendCommand(deps: Pick<Deps, 'doors' | 'locations'>, door: DoorAddress, command: ActiveCommand): Promise<void> {
  await deps.doors.command(door, {
    lock: 'UNLOCKED',
    commandId: command.commandId,
    reason: command.reason,
    expiresAt: Math.floor(Date.parse(command.expiresAt) / 1000),
  });
  const slot = await deps.locations.getSlot(door);
  if (slot?.command?.commandId !== command.commandId) await deps.doors.clear(door, command.commandId);
}

/**
 * Takes back a command without a parcel (MAINTENANCE) that never reached its door: it ends FAILED
 * with its event, so the slot is free for another command now rather than at its deadline.
 * @returns false when the door already answered it, or it is no longer the slot's.
 */
export async function withdrawCommand(
  deps: Pick<Deps, 'locations' | 'changes' | 'doors' | 'clock' | 'ids' | 'doorTimings' | 'logger'>,
  door: DoorAddress,
  commandId: string,
): Promise<boolean> {
  const withdrawn = await untilSettled('The slot', async () => {
    const slot = await deps.locations.getSlot(door);
    if (!slot || slot.command?.commandId !== commandId || slot.command.openedVersion !== undefined) return false;
    const now = deps.clock.now();
    const { command: active, ...rest } = slot;
    const { expiresAt: _deadline, ...ended } = active;
    const outcome = await deps.changes.commit({
      // withEnded, as every ended command: the slot keeps remembering the ones before it, so their late reports are still judged right.
      slots: [{ previous: slot, next: settle(withEnded(rest, { ...ended, outcome: 'FAILED' }), deps.doorTimings) }],
      events: [auditEvent(deps, now, 'system', { type: 'DOOR_COMMAND_WITHDRAWN', ...door, reason: active.reason, commandId })],
    });
    return outcome === 'committed' ? true : stale;
  });
  // The write that failed may still land (a timeout): clearing `desired` keeps the locker from acting on it.
  if (withdrawn) await sendDoorEffects(deps, { clear: { door, commandId } });
  return withdrawn;
}

const noSlot: Omit<Slot, 'deadline'> = { locationId: '', lockerId: '', slotId: '', size: 'S', occupancy: 'FREE', service: 'IN_SERVICE', version: 0 };

/** Free fitting slots at a location, in lockers that are online, ordered by the allocation strategy. */
export async function candidateSlots(
  deps: Pick<Deps, 'locations' | 'allocation'>,
  locationId: string,
  size: SlotSize,
  exclude?: DoorAddress,
): Promise<SlotAddress[]> {
  return (await fittingSlots(deps, locationId, size, exclude)).candidates;
}

/**
 * As `candidateSlots`, with the number of free fitting slots seen in offline lockers (of the first
 * page read; a lower bound): a store that finds only those is told the locker is offline, not that
 * the location is full.
 */
export async function fittingSlots(
  deps: Pick<Deps, 'locations' | 'allocation'>,
  locationId: string,
  size: SlotSize,
  exclude?: DoorAddress,
): Promise<{ candidates: SlotAddress[]; offline: number }> {
  // 1. Read the first candidates and the lockers at once: with every locker online (the common case) that is all.
  const [first, lockers] = await Promise.all([deps.locations.findFreeSlots(locationId, size), deps.locations.lockers(locationId)]);
  const offlineLockers = lockers.filter((locker) => !locker.online).map((locker) => locker.lockerId);
  const isOffline = (slot: SlotAddress) => offlineLockers.includes(slot.lockerId);
  const isExcluded = (slot: SlotAddress) => exclude !== undefined && slot.lockerId === exclude.lockerId && slot.slotId === exclude.slotId;
  const offline = first.filter((slot) => isOffline(slot) && !isExcluded(slot)).length;
  // 2. Offline lockers' doors in that page may fill it and hide online doors after them in index
  //    order: read again, skipping those lockers, so the page holds only doors a store can open.
  const free = offline > 0 ? await deps.locations.findFreeSlots(locationId, size, offlineLockers) : first;
  // 3. Order what is usable by the allocation strategy.
  const usable = free.filter((slot) => !isOffline(slot) && !isExcluded(slot));
  return { candidates: spreadAmongEquals(deps.allocation(size, usable), Math.random), offline };
}

/** After the change is written: clear the ended command's `desired`, send the new one. Both are retried by nobody, so failures are logged. */
export async function sendDoorEffects(
  deps: Pick<Deps, 'doors' | 'logger'>,
  effects: { clear?: { door: DoorAddress; commandId: string }; command?: { door: DoorAddress; command: DoorCommand } },
): Promise<void> {
  if (effects.clear) {
    // A stale `desired` is harmless (the locker handled or refuses the id): clearing is housekeeping.
    await deps.doors.clear(effects.clear.door, effects.clear.commandId).catch((error: unknown) =>
      deps.logger.warn('Could not clear a door command', { commandId: effects.clear!.commandId, error: errorName(error) }),
    );
  }
  if (effects.command) await deps.doors.command(effects.command.door, effects.command.command);
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown';
}

/**
 * Primary course (a door reported, or its deadline passed):
 * 1. Read the slot and the parcel its command (or its content) concerns.
 * 2. Let the domain decide what the door did (decideDoor) and settle the slot's version and deadline.
 * 3. For a deposit whose door failed, claim another free fitting slot in an online locker with a
 *    new command, or end the parcel DEPOSIT_FAILED when none is left.
 * 4. Write the slot(s), the parcel, the code index and the events in one transaction, conditional
 *    on what was read; when anything moved meanwhile, start again from 1.
 * 5. Then clear the ended command's `desired` and send the new one.
 */
export async function settleDoor(deps: DoorDeps, address: DoorAddress, input: DoorInput): Promise<DoorDecision | undefined> {
  const result = await untilSettled('The door', async (): Attempt<{ decision: DoorDecision; effects: Parameters<typeof sendDoorEffects>[1] } | undefined> => {
    const slot = await deps.locations.getSlot(address);
    if (!slot) return undefined;
    const parcelId = slot.command?.parcelId ?? slot.parcelId ?? slot.lastCommand?.parcelId;
    // A late report may name an earlier command of another parcel: the decision reads that one too.
    const namedId = input.kind === 'report' ? endedCommand(slot, input.observation.report.lastCommandId)?.parcelId : undefined;
    const [parcel, named] = await Promise.all([
      parcelId ? deps.parcels.get(parcelId) : undefined,
      namedId && namedId !== parcelId ? deps.parcels.get(namedId) : undefined,
    ]);
    const now = deps.clock.now();
    const decision = decideDoor(slot, parcel, input, { now, leftOpenSeconds: deps.doorTimings.leftOpenSeconds }, named);
    if (!decision.changed) return { decision, effects: {} };

    const events = (drafts: readonly EventDraft[]) =>
      drafts.map((draft) => auditEvent(deps, now, 'system', { ...draft, locationId: slot.locationId, lockerId: slot.lockerId, slotId: slot.slotId }));
    const slots = [{ previous: slot, next: settle(decision.slot, deps.doorTimings) }];
    const effects: Parameters<typeof sendDoorEffects>[1] = decision.ended ? { clear: { door: address, commandId: decision.ended.commandId } } : {};

    if (decision.redeposit && parcel) {
      const moved = await redeposit(deps, parcel, slots, events(decision.events), now);
      if (moved === stale) return stale;
      return { decision, effects: { ...effects, ...(moved.command ? { command: moved.command } : {}) } };
    }
    const change: Change = {
      slots,
      ...(decision.parcelTo && parcel ? { parcel: { previous: parcel, next: transitioned(parcel, decision.parcelTo, now) } } : {}),
      events: events(decision.events),
    };
    const outcome = await deps.changes.commit(change);
    if (outcome !== 'committed') return stale;
    count(deps, decision);
    return { decision, effects };
  });
  if (!result) return undefined;
  await sendDoorEffects(deps, result.effects);
  return result.decision;
}

function count(deps: Pick<Deps, 'metrics'>, decision: DoorDecision): void {
  if (decision.events.some((event) => event.type === 'SLOT_FAULT')) deps.metrics.count('DoorFault');
  if (decision.ended?.outcome === 'TIMED_OUT') deps.metrics.count('DoorCommandTimedOut');
  if (decision.parcelTo === 'RETRIEVED') deps.metrics.count('ParcelPickedUp');
  if (decision.parcelTo === 'STORED' && decision.ended?.outcome === 'DONE') deps.metrics.count('ParcelStored');
}

/** Moves a parcel whose deposit door failed to another slot, or gives up on it. */
async function redeposit(
  deps: DoorDeps,
  parcel: StoredParcel,
  slots: Change['slots'] & object,
  events: Change['events'],
  now: Date,
): Promise<typeof stale | { command?: { door: DoorAddress; command: DoorCommand } }> {
  const failedAt = slots[0]!.previous;
  for (const candidate of (await candidateSlots(deps, parcel.locationId, parcel.size, failedAt)).slice(0, 5)) {
    const { shadow, record, deadline } = prepareCommand(deps, 'DEPOSIT', now, parcel.parcelId);
    const next: StoredParcel = {
      ...transitioned(parcel, 'DEPOSITING', now),
      lockerId: candidate.lockerId,
      slotId: candidate.slotId,
      slotSize: candidate.size,
      commandId: record.commandId,
    };
    const outcome = await deps.changes.commit({
      parcel: { previous: parcel, next },
      slots,
      claim: { slot: candidate, parcelId: parcel.parcelId, command: record, deadline },
      events: [
        ...events,
        auditEvent(deps, now, 'system', {
          type: 'PARCEL_MOVED',
          locationId: parcel.locationId,
          lockerId: candidate.lockerId,
          slotId: candidate.slotId,
          parcelId: parcel.parcelId,
          from: `${parcel.lockerId}/${parcel.slotId}`,
          to: `${candidate.lockerId}/${candidate.slotId}`,
          commandId: record.commandId,
        }),
      ],
    });
    if (outcome === 'committed') return { command: { door: candidate, command: shadow } };
    if (outcome !== 'slot-taken') return stale;
  }
  const outcome = await deps.changes.commit({
    parcel: { previous: parcel, next: transitioned(parcel, 'DEPOSIT_FAILED', now) },
    slots,
    events: [
      ...events,
      auditEvent(deps, now, 'system', {
        type: 'PARCEL_DEPOSIT_FAILED',
        locationId: parcel.locationId,
        lockerId: parcel.lockerId,
        slotId: parcel.slotId,
        parcelId: parcel.parcelId,
        from: 'DEPOSITING',
        to: 'DEPOSIT_FAILED',
      }),
    ],
  });
  return outcome === 'committed' ? {} : stale;
}
