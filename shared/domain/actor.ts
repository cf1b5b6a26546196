export const roles = ['admin', 'carrier', 'customer', 'kiosk'] as const;
export type Role = (typeof roles)[number];

/** Who is calling, as the verified token says. */
export interface Actor {
  readonly sub: string;
  readonly roles: readonly Role[];
  /** Addresses the token names and does not mark unverified (`email_verified`, `phone_number_verified`). */
  readonly email?: string;
  readonly phone?: string;
  /** Kiosks are bound to one location. */
  readonly locationId?: string;
}

export function hasRole(actor: Actor, ...allowed: Role[]): boolean {
  return actor.roles.some((role) => allowed.includes(role));
}
