import type { Actor } from '#shared/domain/actor';
import { ConflictError, NotFoundError, UnavailableError } from '#shared/domain/errors';
import { settle } from '#shared/domain/slot';
import type { DoorAddress } from '#shared/ports';
import { auditEvent, type Deps } from './deps.ts';
import { prepareCommand, resendCommand, waitingCommand, withdrawCommand } from './support/doors.ts';
import { stale, untilSettled } from './support/fresh-state.ts';

/**
 * Primary course (an admin opens a door for maintenance):
 * 1. Read the locker and the slot; refuse an offline locker or a door already under another
 *    command (a maintenance command still waiting on its door is a repeat: it is sent again).
 * 2. Give the slot a MAINTENANCE command with its event, conditional on the version read.
 * 3. Write the command into the door's shadow. If that fails, take the command back (the slot is
 *    as it was, free for another command) and answer TRY_AGAIN, as a pickup does. The command is
 *    done when the door reports open; a door that does not open puts the slot out of service like
 *    any other.
 */
export async function openSlot(
  deps: Pick<Deps, 'clock' | 'ids' | 'locations' | 'changes' | 'doors' | 'doorTimings' | 'logger'>,
  actor: Actor,
  address: DoorAddress,
): Promise<{ commandId: string; locationId: string; lockerId: string; slotId: string }> {
  const sent = await untilSettled('The slot', async () => {
    const [locker, slot] = await Promise.all([deps.locations.getLocker(address.locationId, address.lockerId), deps.locations.getSlot(address)]);
    if (!locker || !slot) throw new NotFoundError('SLOT_NOT_FOUND', 'No such slot');
    if (!locker.online) throw new ConflictError('LOCKER_OFFLINE', 'The locker is offline; its doors cannot open now');
    const now = deps.clock.now();
    // A repeat of an open whose answer was lost: the same command, written to the door again.
    const waiting = waitingCommand(slot, 'MAINTENANCE', now);
    if (waiting) return { command: waiting, repeat: true };
    if (slot.command) throw new ConflictError('DOOR_BUSY', 'The door is already executing a command');
    const command = prepareCommand(deps, 'MAINTENANCE', now);
    const outcome = await deps.changes.commit({
      slots: [{ previous: slot, next: settle({ ...slot, command: command.record }, deps.doorTimings) }],
      events: [auditEvent(deps, now, actor, { type: 'DOOR_COMMANDED', ...address, reason: 'MAINTENANCE', commandId: command.record.commandId })],
    });
    return outcome === 'committed' ? { command: command.record, repeat: false } : stale;
  });
  try {
    await resendCommand(deps, address, sent.command);
  } catch {
    // A repeat's command may have reached the door on its first write: it stands until its deadline.
    if (sent.repeat) throw new UnavailableError('The locker did not take the command again; try again');
    if (await withdrawCommand(deps, address, sent.command.commandId)) {
      throw new UnavailableError('The locker did not take the command; nothing changed, try again');
    }
    // Otherwise its door answered it meanwhile: the command did reach the locker.
  }
  return { commandId: sent.command.commandId, ...address };
}
