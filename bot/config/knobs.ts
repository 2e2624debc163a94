import type { z } from 'zod';
import { botConfigSchema } from './schema.ts';

/** One knob of the bot as the CLI, env and docs see it; derived from the schema, never written by hand. */
export interface Knob {
  /** Dotted path in BotConfig, e.g. `database.poolMax`. */
  path: string;
  /** CLI flag, e.g. `--database-pool-max`. */
  flag: string;
  /** Env var, e.g. `BOTCAP_DATABASE_POOL_MAX`. */
  env: string;
  /** The conventional env var a bot reads (BOT_TOKEN, DATABASE_URL, ...), if this knob has one. */
  conventionalEnv?: string;
  description: string;
  /** The schema's default, or undefined when the knob is optional without default. */
  defaultValue: unknown;
  /** Allowed values of an enum knob. */
  choices?: readonly string[];
  /** Secret knobs are never printed with their value. */
  secret: boolean;
}

/** The env vars every bot in any language reads (the `--bot-cmd` contract), mapped onto knob paths. */
export const CONVENTIONAL_ENV: Readonly<Record<string, string>> = {
  'telegram.token': 'BOT_TOKEN',
  'telegram.apiRoot': 'TELEGRAM_API_ROOT',
  'telegram.webhookPort': 'PORT',
  'telegram.webhookSecret': 'WEBHOOK_SECRET',
  'claude.baseUrl': 'ANTHROPIC_BASE_URL',
  'claude.apiKey': 'ANTHROPIC_API_KEY',
  'database.url': 'DATABASE_URL',
  'scheduler.redisUrl': 'REDIS_URL',
  'observability.sentryDsn': 'SENTRY_DSN',
};

const SECRET_PATHS = new Set([
  'telegram.token',
  'telegram.webhookSecret',
  'claude.apiKey',
  'database.url',
  'database.migrateUrl',
  'scheduler.redisUrl',
  'observability.sentryDsn',
]);

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const snakeUpper = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

type AnySchema = z.ZodType & {
  def: { type: string; innerType?: AnySchema; defaultValue?: unknown; shape?: Record<string, AnySchema> };
};

/** Peels default/prefault/optional wrappers, keeping the first default seen and the description. */
function unwrap(schema: AnySchema): { core: AnySchema; defaultValue: unknown; description: string } {
  let current = schema;
  let defaultValue: unknown;
  let description = schema.description ?? '';
  while (['default', 'prefault', 'optional', 'pipe'].includes(current.def.type) && current.def.innerType) {
    if (current.def.type === 'default' && defaultValue === undefined) defaultValue = current.def.defaultValue;
    current = current.def.innerType;
    description ||= current.description ?? '';
  }
  return { core: current, defaultValue, description };
}

function collect(schema: AnySchema, prefix: string[], out: Knob[]): void {
  const shape = (schema as unknown as { shape?: Record<string, AnySchema> }).shape ?? {};
  for (const [key, child] of Object.entries(shape)) {
    const { core, defaultValue, description } = unwrap(child);
    const pathParts = [...prefix, key];
    if (core.def.type === 'object') {
      collect(core, pathParts, out);
      continue;
    }
    const path = pathParts.join('.');
    const options = (core as unknown as { options?: readonly string[] }).options;
    out.push({
      path,
      flag: `--${pathParts.map(kebab).join('-')}`,
      env: `BOTCAP_${pathParts.map(snakeUpper).join('_')}`,
      conventionalEnv: CONVENTIONAL_ENV[path],
      description,
      defaultValue,
      choices: core.def.type === 'enum' ? options : undefined,
      secret: SECRET_PATHS.has(path),
    });
  }
}

/** Every knob of the bot, in schema order. */
export const BOT_KNOBS: readonly Knob[] = (() => {
  const out: Knob[] = [];
  collect(botConfigSchema as unknown as AnySchema, [], out);
  return out;
})();

/** Defaults of every knob, as a nested object (the schema parsed from nothing). */
export const BOT_DEFAULTS = botConfigSchema.parse({});
