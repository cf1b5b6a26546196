import { describe, expect, it } from 'vitest';
import { ShadowService } from '#infra/local/iot/shadow-service';

// `npm start -- --persist` keeps the device shadows: a service started from a snapshot goes on where the last one stopped, as AWS's shadows do.

const door = { thingName: 'kept:A', shadowName: 'door-01' };
const report = (state: Record<string, unknown>) => JSON.stringify({ state: { reported: state } });

describe('ShadowService snapshots', () => {
  it('goes on from the kept versions and documents, and says when anything changes', () => {
    // Prepare
    const first = new ShadowService({ now: () => 1_000 });
    first.update(door, report({ door: 'CLOSED', lock: 'LOCKED' }));
    first.update(door, report({ door: 'OPEN', lock: 'UNLOCKED' }));
    let changes = 0;

    // Act
    const second = new ShadowService({ now: () => 2_000, initial: first.snapshot(), changed: () => (changes += 1) });
    const kept = second.get(door);
    const next = second.update(door, report({ door: 'CLOSED' }));

    // Assess
    expect({
      kept: kept.ok ? { version: kept.document.version, reported: (kept.document.state as { reported: unknown }).reported } : kept.error.message,
      next: next.ok ? next.document.version : next.error.message,
      changes,
    }).toEqual({ kept: { version: 2, reported: { door: 'OPEN', lock: 'UNLOCKED' } }, next: 3, changes: 1 });
  });
});
