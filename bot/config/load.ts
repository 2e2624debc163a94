import { ConfigError } from '../../common/errors.ts';
import { valueAt } from '../../common/path.ts';
import { redactSecrets } from '../../common/redact.ts';
import { formatZodIssues } from '../../common/validation.ts';
import { BOT_KNOBS } from './knobs.ts';
import { type BotConfig, type BotConfigInput, botConfigSchema } from './schema.ts';

export interface LoadBotConfigOptions {
  /** Environment to read (conventional names like DATABASE_URL, and BOTCAP_* for every knob). Default: none. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values set in code (a scenario), applied over env. */
  overrides?: BotConfigInput;
  /** Values from CLI flags keyed by knob path (`database.poolMax`), applied last. */
  flags?: Readonly<Record<string, unknown>>;
}

/**
 * Resolves the bot's config: schema defaults < env < overrides < flags, then validates once.
 * Throws a ConfigError that names each bad field, the value and the rule, with secrets redacted.
 *
 * @example
 * const config = loadBotConfig({ env: process.env, flags: { 'database.poolMax': '20' } });
 */
export function loadBotConfig(options: LoadBotConfigOptions = {}): BotConfig {
  const merged: Record<string, unknown> = {};
  for (const knob of BOT_KNOBS) {
    const fromEnv = options.env?.[knob.env] ?? (knob.conventionalEnv ? options.env?.[knob.conventionalEnv] : undefined);
    if (fromEnv !== undefined && fromEnv !== '') setPath(merged, knob.path, fromEnv);
  }
  deepAssign(merged, (options.overrides ?? {}) as Record<string, unknown>);
  for (const [path, value] of Object.entries(options.flags ?? {})) {
    if (value !== undefined) setPath(merged, path, value);
  }
  const parsed = botConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const secrets = BOT_KNOBS.filter((k) => k.secret).map((k) => String(valueAt(merged, k.path) ?? ''));
    const lines = formatZodIssues(parsed.error, maskSecrets(merged)).map(
      (line) => `  - ${redactSecrets(line, secrets)}`,
    );
    throw new ConfigError(
      `invalid bot config:\n${lines.join('\n')}\nSee \`botcap bot --help\` for every knob, its env var and default.`,
    );
  }
  return parsed.data;
}

function maskSecrets(input: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(input);
  for (const knob of BOT_KNOBS)
    if (knob.secret && valueAt(copy, knob.path) !== undefined) setPath(copy, knob.path, '***');
  return copy;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

function deepAssign(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const existing = target[key];
      if (existing === null || typeof existing !== 'object') target[key] = {};
      deepAssign(target[key] as Record<string, unknown>, value as Record<string, unknown>);
    } else if (value !== undefined) {
      target[key] = value;
    }
  }
}
