import type { z } from 'zod';
import { valueAt } from './path.ts';

/**
 * Turns a zod error into lines a person can act on: the field path, what was wrong and the value
 * given. Used by every entry point (config, scenarios, pricing data, HTTP bodies) so messages read alike.
 *
 * @example
 * formatZodIssues(schema.safeParse(input).error!) // ['pool.max: expected a number >= 1, got 0']
 */
export function formatZodIssues(error: z.ZodError, input?: unknown): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    const given = input === undefined ? undefined : valueAt(input, issue.path);
    const shown = given === undefined ? '' : `, got ${JSON.stringify(given)?.slice(0, 80)}`;
    return `${path}: ${issue.message}${shown}`;
  });
}
