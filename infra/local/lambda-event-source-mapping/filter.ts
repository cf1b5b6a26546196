import type { StreamFilter } from '#shared/manifest';

/**
 * The mapping's `FilterCriteria`, applied before batching as Lambda applies them. Only what the
 * manifest can declare is played (`StreamFilter`: nested objects ending in lists of exact values);
 * any other part of Lambda's pattern syntax (`prefix`, `anything-but`, `numeric`, `exists`, `$or`…)
 * is refused when the trigger starts, so a filter that would select differently in AWS never runs
 * here silently.
 */
export class UnsupportedFilterError extends Error {
  override readonly name = 'UnsupportedFilterError';
}

/**
 * Checks a pattern (an object, or the JSON string a template's `FilterCriteria` holds).
 * @throws UnsupportedFilterError
 */
export function parseFilterPattern(pattern: unknown): StreamFilter {
  let parsed = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch {
      throw new UnsupportedFilterError(`The filter pattern is not JSON: ${pattern}`);
    }
  }
  const visit = (node: unknown, path: string): void => {
    if (!isPlainObject(node)) throw new UnsupportedFilterError(`${path || 'The pattern'} must be an object`);
    for (const [key, value] of Object.entries(node)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (!Array.isArray(value)) visit(value, at);
      else if (!value.every((item) => item === null || ['string', 'number', 'boolean'].includes(typeof item))) {
        throw new UnsupportedFilterError(`${at}: the local stream trigger plays exact values only, not ${JSON.stringify(value)}`);
      }
    }
  };
  visit(parsed, '');
  return parsed as StreamFilter;
}

/** Whether a record (as Lambda delivers it) matches: every key of the pattern must, a list by any of its values. */
export function matchesFilter(pattern: StreamFilter, record: unknown): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const field = isPlainObject(record) && Object.hasOwn(record, key) ? record[key] : undefined;
    if (!Array.isArray(expected)) return matchesFilter(expected as StreamFilter, field);
    // A field holding a list matches when any of its elements does, as in Lambda.
    const values: unknown[] = Array.isArray(field) ? field : [field];
    return field !== undefined && values.some((value) => (expected as readonly unknown[]).includes(value));
  });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
