// Imports a module of the cycle without being part of it: lint accepts it.
import { a } from './a.ts';

export const c = (): string => `c${a.name}`;
