import type { z } from 'zod';
import { valueAt } from './path.ts';

/**
 * Turns a zod error into lines a person can act on: the field path, what was wrong and the value given.
 * Every entry point (bot config, scenarios, overrides, pricing data, RunResult files, HTTP bodies) formats
 * its issues with this, so messages read alike.
 *
 * @example
 * formatZodIssues(schema.safeParse(input).error!, input) // ['database.poolMax: Too small: expected number to be >=1, got 0']
 */
export function formatZodIssues(error: z.ZodError, input?: unknown): string[] {
  return error.issues.map((issue) => {
    const given = input === undefined ? undefined : valueAt(input, issue.path);
    // Messages that already quote the value (durations, clock times) need no ", got ...".
    const quoted = given !== undefined && issue.message.includes(JSON.stringify(given));
    const shown = given === undefined || quoted ? '' : `, got ${JSON.stringify(given)?.slice(0, 80)}`;
    return `${formatPath(issue.path)}: ${issue.message}${shown}`;
  });
}

/**
 * A field's path in messages: its keys joined by dots, as zod reports them (`(root)` for the value itself).
 *
 * @example
 * formatPath(['load', 'stages', 1, 'duration']) // 'load.stages.1.duration'
 */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}
