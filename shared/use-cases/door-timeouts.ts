import type { Deps } from './deps.ts';
import { settleDoor, type DoorDeps } from './support/doors.ts';

const batch = 100;

/**
 * Primary course (every minute):
 * 1. Find the slots whose deadline has passed: a command its door never answered, a door left open.
 * 2. Let each door's state settle with the passing of time (settleDoor): a command times out (the
 *    deposit moves on, the pickup goes back to STORED), a door left open takes its slot out of service.
 * A slot that moved on meanwhile is decided again on fresh state, so overlapping runs are harmless.
 */
export async function doorTimeouts(deps: DoorDeps & Pick<Deps, 'locations'>): Promise<{ settled: number }> {
  const due = await deps.locations.slotsDue(deps.clock.now(), batch);
  let settled = 0;
  for (const slot of due) {
    const decision = await settleDoor(deps, slot, { kind: 'tick' });
    if (decision?.changed) settled++;
  }
  return { settled };
}
