import { a } from './a.ts';

export const b = (): string => `b${a.name}`;
