/**
 * The one list of HTTP routes. The local gateway serves exactly these, the CDK api construct
 * deploys exactly these, and the OpenAPI test checks the document against them.
 * Each route's handler lives in `functions/http/<name>.ts` and exports `handler`.
 */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteDefinition {
  /** File name under functions/http/ and the Lambda's logical name. */
  readonly name: string;
  readonly method: HttpMethod;
  /** API Gateway resource path, with `{param}` placeholders. */
  readonly path: string;
  /** False only for routes anyone may call without a token. */
  readonly authenticated: boolean;
  /** What the function does with the table: drives the IAM grant. */
  readonly tableAccess: 'none' | 'read' | 'readWrite';
  /** True when the function hashes, encrypts or decrypts pickup codes (needs the secret). */
  readonly usesPickupCodeSecret: boolean;
  /** Guessing routes get a tighter WAF rate rule. */
  readonly guessable?: boolean;
}

export const routes: readonly RouteDefinition[] = [
  { name: 'health', method: 'GET', path: '/health', authenticated: false, tableAccess: 'none', usesPickupCodeSecret: false },
  { name: 'create-location', method: 'POST', path: '/locations', authenticated: true, tableAccess: 'readWrite', usesPickupCodeSecret: false },
  { name: 'list-locations', method: 'GET', path: '/locations', authenticated: true, tableAccess: 'read', usesPickupCodeSecret: false },
  { name: 'get-location', method: 'GET', path: '/locations/{locationId}', authenticated: true, tableAccess: 'read', usesPickupCodeSecret: false },
  { name: 'add-locker', method: 'POST', path: '/locations/{locationId}/lockers', authenticated: true, tableAccess: 'readWrite', usesPickupCodeSecret: false },
  { name: 'remove-locker', method: 'DELETE', path: '/locations/{locationId}/lockers/{lockerId}', authenticated: true, tableAccess: 'readWrite', usesPickupCodeSecret: false },
  { name: 'update-slot', method: 'PATCH', path: '/locations/{locationId}/lockers/{lockerId}/slots/{slotId}', authenticated: true, tableAccess: 'readWrite', usesPickupCodeSecret: false },
  { name: 'kiosk-pickup', method: 'POST', path: '/locations/{locationId}/pickup', authenticated: true, tableAccess: 'readWrite', usesPickupCodeSecret: true, guessable: true },
  { name: 'store-parcel', method: 'POST', path: '/parcels', authenticated: true, tableAccess: 'readWrite', usesPickupCodeSecret: true },
  { name: 'list-parcels', method: 'GET', path: '/parcels', authenticated: true, tableAccess: 'read', usesPickupCodeSecret: false },
  { name: 'get-parcel', method: 'GET', path: '/parcels/{parcelId}', authenticated: true, tableAccess: 'read', usesPickupCodeSecret: true },
  { name: 'retrieve-parcel', method: 'POST', path: '/parcels/{parcelId}/retrieve', authenticated: true, tableAccess: 'readWrite', usesPickupCodeSecret: true, guessable: true },
  { name: 'reissue-code', method: 'POST', path: '/parcels/{parcelId}/code', authenticated: true, tableAccess: 'readWrite', usesPickupCodeSecret: true },
  { name: 'cancel-parcel', method: 'POST', path: '/parcels/{parcelId}/cancel', authenticated: true, tableAccess: 'readWrite', usesPickupCodeSecret: false },
  { name: 'return-parcel', method: 'POST', path: '/parcels/{parcelId}/return', authenticated: true, tableAccess: 'readWrite', usesPickupCodeSecret: false },
];

/** Schedule-triggered functions, in `functions/schedule/<name>.ts`. */
export const scheduledFunctions = [
  { name: 'expire-parcels', everyMinutes: 5, tableAccess: 'readWrite', usesPickupCodeSecret: false },
] as const;
