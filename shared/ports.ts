/** The service's view of time. Injected so tests and the local stack can move it. */
export interface Clock {
  now(): Date;
}
