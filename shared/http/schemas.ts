import { z } from 'zod';

/**
 * Request shapes, declared once. Handlers validate with them, the OpenAPI document is checked
 * against them, and the CDK api construct turns them into API Gateway request models.
 * Objects are strict: an unknown field is more often a typo than a wish.
 */
export const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 letters, digits, "-" or "_"');

export const slotSize = z.enum(['S', 'M', 'L']);

export const pickupCode = z.string().regex(/^\d{6}$/, 'must be 6 digits');

const slotCount = z.number().int().min(0).max(40);

export const requestBodies = {
  'create-location': z.strictObject({
    locationId: identifier.optional(),
    name: z.string().trim().min(1).max(200),
    address: z.string().trim().min(1).max(500),
    pickupWindowHours: z.number().int().min(1).max(720).optional(),
  }),
  'add-locker': z.strictObject({
    lockerId: identifier.optional(),
    slots: z
      .strictObject({ S: slotCount.optional(), M: slotCount.optional(), L: slotCount.optional() })
      .refine((slots) => {
        const total = (slots.S ?? 0) + (slots.M ?? 0) + (slots.L ?? 0);
        return total >= 1 && total <= 60;
      }, 'a locker has between 1 and 60 slots'),
  }),
  'update-slot': z.strictObject({ status: z.enum(['OUT_OF_SERVICE', 'FREE']) }),
  'store-parcel': z.strictObject({
    parcelId: identifier.optional(),
    locationId: identifier,
    recipientId: z.string().min(1).max(128),
    size: slotSize,
  }),
  'retrieve-parcel': z.strictObject({ pickupCode }),
  'kiosk-pickup': z.strictObject({ pickupCode }),
} as const;

export type RequestBodyRoute = keyof typeof requestBodies;

export const pathParameters = {
  location: z.object({ locationId: identifier }),
  locker: z.object({ locationId: identifier, lockerId: identifier }),
  slot: z.object({ locationId: identifier, lockerId: identifier, slotId: identifier }),
  parcel: z.object({ parcelId: identifier }),
} as const;

export const listParcelsQuery = z.strictObject({
  locationId: identifier.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).max(2048).optional(),
});

/** Idempotency keys are opaque to us but bounded, so they fit a DynamoDB key. */
export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{8,128}$/, 'must be 8-128 visible ASCII characters');
