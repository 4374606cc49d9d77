import type { z } from 'zod';

/** One line per zod issue: the field, what was wrong, and the value given when there was one. */
export function describeConfigIssues(input: unknown, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (issue.path.length === 0) return `(config): ${issue.message}`;
      const field = issue.path.join('.');
      const given = (input as Record<PropertyKey, unknown>)[issue.path[0]];
      return given === undefined ? `${field}: ${issue.message}` : `${field}: ${issue.message} (got ${JSON.stringify(given)})`;
    })
    .join('; ');
}
