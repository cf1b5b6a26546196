import type { Actor } from '#shared/domain/actor';

/** The callers tests act as. Their own module, so the door helpers can use them without a cycle through the deps helper. */
export const actors = {
  admin: { sub: 'admin-1', roles: ['admin'] } satisfies Actor,
  carrier: { sub: 'carrier-1', roles: ['carrier'] } satisfies Actor,
  otherCarrier: { sub: 'carrier-2', roles: ['carrier'] } satisfies Actor,
  customer: { sub: 'customer-1', roles: ['customer'] } satisfies Actor,
  otherCustomer: { sub: 'customer-2', roles: ['customer'] } satisfies Actor,
  kiosk: (locationId: string): Actor => ({ sub: `kiosk-${locationId}`, roles: ['kiosk'], locationId }),
};
