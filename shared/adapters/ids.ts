import { monotonicFactory } from 'ulid';
import type { IdGenerator } from '#shared/ports';

const nextUlid = monotonicFactory();

/** ULIDs: unique, and sortable by creation time, which event keys rely on. */
export const ulidIds: IdGenerator = { next: () => nextUlid() };
