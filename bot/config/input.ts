import { z } from 'zod';
import { BOT_KNOBS } from './knobs.ts';
import { type BotConfigInput, botConfigSchema } from './schema.ts';

/** The keys allowed at each level of a config: '' for the top, then each section's path. */
const KEYS_AT: ReadonlyMap<string, readonly string[]> = (() => {
  const keys = new Map<string, string[]>();
  for (const knob of BOT_KNOBS) {
    const parts = knob.path.split('.');
    parts.forEach((key, depth) => {
      const at = parts.slice(0, depth).join('.');
      const list = keys.get(at) ?? [];
      if (!list.includes(key)) list.push(key);
      keys.set(at, list);
    });
  }
  return keys;
})();

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A problem found in a config: where, and what to do about it. */
interface Problem {
  path: string[];
  message: string;
}

/** Every key of `input` that is no knob or section of the bot's config (a misspelling), with its path. */
function unknownKeys(input: Readonly<Record<string, unknown>>, at: string[] = []): Problem[] {
  const known = KEYS_AT.get(at.join('.')) ?? [];
  return Object.entries(input).flatMap(([key, value]) => {
    const path = [...at, key];
    if (!known.includes(key))
      return [{ path, message: `not a bot config field; known fields here: ${known.join(', ')}` }];
    return KEYS_AT.has(path.join('.')) && isPlainObject(value) ? unknownKeys(value, path) : [];
  });
}

/**
 * A reference-bot config written in code: a scenario's `bot.config` or a matrix variant's patch. Any subset of
 * the knobs, typed as the bot's own config input and checked against its schema, with unknown (misspelt) keys
 * refused. The value stays the subset as written: the bot applies its defaults when it loads a config
 * (loadBotConfig), so a default is never applied, or written, a second time.
 *
 * @example
 * botConfigInputSchema.parse({ database: { poolMax: 20 } }) // { database: { poolMax: 20 } }
 * botConfigInputSchema.parse({ databse: {} }) // throws: databse: not a bot config field; known fields here: ...
 */
export const botConfigInputSchema = z
  .custom<BotConfigInput>(isPlainObject, {
    error: 'the bot config is an object of knob sections, e.g. { database: { poolMax: 20 } }',
  })
  .superRefine((input, ctx) => {
    for (const { path, message } of unknownKeys(input)) ctx.addIssue({ code: 'custom', path, message });
    // The bot's own schema judges the values; its defaults are applied to a throwaway copy only.
    for (const { path, message } of botConfigSchema.safeParse(input).error?.issues ?? []) {
      ctx.addIssue({ code: 'custom', path: [...path], message });
    }
  });
