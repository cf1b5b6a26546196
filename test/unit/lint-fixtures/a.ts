// An import cycle on purpose, through a package.json subpath import one way and a relative path
// the other: test/unit/lint.test.ts checks that lint refuses it. Kept out of `npm run lint`.
import { b } from '#test/unit/lint-fixtures/b';

export const a = (): string => `a${b.name}`;
