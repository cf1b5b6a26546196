import type { Actor } from '#shared/domain/actor';
import type { AllocationStrategy } from '#shared/domain/allocation';
import type { AuditEvent } from '#shared/domain/events';
import type {
  Clock,
  CodeGenerator,
  IdGenerator,
  KioskGuard,
  LocationRepository,
  ParcelRepository,
  PickupCodeVault,
} from '#shared/ports';

/** Every port a use case may ask for; each use case takes only the ones it names. */
export interface Deps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly codes: CodeGenerator;
  readonly vault: PickupCodeVault;
  readonly locations: LocationRepository;
  readonly parcels: ParcelRepository;
  readonly kioskGuard: KioskGuard;
  readonly allocation: AllocationStrategy;
  readonly defaultPickupWindowHours: number;
}

export function auditEvent(
  deps: Pick<Deps, 'ids'>,
  at: Date,
  actor: Actor | 'system',
  fields: Omit<AuditEvent, 'eventId' | 'at' | 'actor'>,
): AuditEvent {
  return {
    eventId: deps.ids.next(),
    at: at.toISOString(),
    actor: actor === 'system' ? { sub: 'system', role: 'system' } : { sub: actor.sub, role: actor.roles[0] ?? 'customer' },
    ...fields,
  };
}
