import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../../common/errors.ts';
import { formatZodIssues } from '../../common/validation.ts';

/**
 * Claude prices as data: the file `pricing.json` next to this module is the default, `--pricing FILE`
 * replaces it. Prices change and models retire, so the file carries its source and the date someone
 * last checked it, and every report prints both.
 */

const usdPerMTok = z.number().min(0, 'a price cannot be negative');

export const modelPriceSchema = z.object({
  /** The dated id the API echoes back, e.g. `claude-haiku-4-5-20251001`. */
  id: z.string().min(1),
  /** Undated ids that resolve to this model, e.g. `claude-haiku-4-5`. */
  aliases: z.array(z.string().min(1)).default([]),
  displayName: z.string().optional(),
  /**
   * `deprecated` = end of life announced (`retiresOn`); `retired` = gone from the API. Both still price old
   * runs; the cost report warns when a run used one.
   */
  status: z.enum(['active', 'deprecated', 'retired']),
  /** End-of-life date (YYYY-MM-DD) of a deprecated model. */
  retiresOn: z.iso.date().optional(),
  /** Anything a reader of the price should know (an unverified figure, an assumption). */
  note: z.string().optional(),
  inputUsdPerMTok: usdPerMTok,
  cacheWrite5mUsdPerMTok: usdPerMTok,
  cacheWrite1hUsdPerMTok: usdPerMTok,
  cacheReadUsdPerMTok: usdPerMTok,
  outputUsdPerMTok: usdPerMTok,
  /** Multiplier on every Batch API price: 0.5 = half price. */
  batchDiscount: z.number().gt(0).max(1, 'batchDiscount is the multiplier (0.5 = half price), not a percentage'),
  /** Shortest prompt prefix the model caches; what-if mode uses it to decide whether prompt caching applies. */
  minCacheableTokens: z.number().int().min(0).optional(),
});
export type ModelPrice = z.infer<typeof modelPriceSchema>;

export const pricingSchema = z
  .object({
    schemaVersion: z.literal(1),
    currency: z.literal('USD'),
    source: z.string().min(1, 'say where the prices come from'),
    /** ISO date (YYYY-MM-DD) the prices were last checked against the source. */
    verifiedOn: z.iso.date(),
    models: z.array(modelPriceSchema).min(1),
  })
  .superRefine((pricing, ctx) => {
    const seen = new Map<string, number>();
    pricing.models.forEach((model, index) => {
      for (const name of [model.id, ...model.aliases]) {
        const first = seen.get(name);
        if (first !== undefined && first !== index) {
          ctx.addIssue({
            code: 'custom',
            path: ['models', index, 'id'],
            message: `"${name}" names two models (entries ${first} and ${index}); keep one`,
          });
        }
        seen.set(name, index);
      }
    });
  });
export type Pricing = z.infer<typeof pricingSchema>;

/** Where the shipped pricing file lives, for `--help` and error messages. */
export const DEFAULT_PRICING_PATH = new URL('./pricing.json', import.meta.url);

/**
 * Validates pricing data; the error lists each bad field with its value and says how to fix the file.
 *
 * @example
 * parsePricing(JSON.parse(text), 'my-prices.json').models.length
 */
export function parsePricing(input: unknown, origin = 'pricing data'): Pricing {
  const parsed = pricingSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = formatZodIssues(parsed.error, input).map((line) => `  ${line}`);
  throw new ConfigError(
    `${origin} is not valid pricing data:\n${lines.join('\n')}\n` +
      `Fix those fields (prices are USD per million tokens, e.g. "inputUsdPerMTok": 3); ` +
      `start from ${DEFAULT_PRICING_PATH.pathname}.`,
  );
}

let shipped: Pricing | undefined;

/** The pricing data botcap ships (read once, validated like any override). */
export function defaultPricing(): Pricing {
  shipped ??= parsePricing(JSON.parse(readFileSync(DEFAULT_PRICING_PATH, 'utf8')), DEFAULT_PRICING_PATH.pathname);
  return shipped;
}

/**
 * Reads `--pricing FILE`, or the shipped data when no file is given.
 *
 * @example
 * const pricing = await loadPricing(options.pricing); // undefined -> shipped prices
 */
export async function loadPricing(file?: string): Promise<Pricing> {
  if (file === undefined) return defaultPricing();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read pricing file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`pricing file ${file} is not JSON: ${(error as Error).message}`);
  }
  return parsePricing(json, `pricing file ${file}`);
}

/** How a model key from a run (`claude-haiku-4-5`, `batch:claude-sonnet-4-5-20250929`) resolves to a price. */
export interface ResolvedModelPrice {
  /** The key as the run recorded it. */
  key: string;
  /** The model id without the `batch:` prefix. */
  modelId: string;
  /** Whether the usage went through the Batch API (billed at the batch discount). */
  batch: boolean;
  /** Undefined when the pricing data does not know the model: the report then warns instead of pricing it at $0. */
  price: ModelPrice | undefined;
}

/** Prefix RunResult uses in `claude.byModel` for Batch API usage. */
export const BATCH_KEY_PREFIX = 'batch:';

/**
 * Finds the price of a model by id or alias; a `batch:` prefix marks Batch API usage.
 *
 * @example
 * resolveModelPrice(pricing, 'batch:claude-haiku-4-5').price?.id // 'claude-haiku-4-5-20251001'
 */
export function resolveModelPrice(pricing: Pricing, key: string): ResolvedModelPrice {
  const batch = key.startsWith(BATCH_KEY_PREFIX);
  const modelId = batch ? key.slice(BATCH_KEY_PREFIX.length) : key;
  const price = pricing.models.find((m) => m.id === modelId || m.aliases.includes(modelId));
  return { key, modelId, batch, price };
}

/**
 * The warning a report prints for a model it cannot price faithfully, or undefined when all is well.
 * Never silent: an unknown model would otherwise show as $0 and flatter the total.
 */
export function modelPriceWarning(resolved: ResolvedModelPrice, pricing: Pricing): string | undefined {
  if (!resolved.price) {
    return (
      `model "${resolved.modelId}" is not in the pricing data (${pricing.source}); its usage is left out of every ` +
      `dollar figure. Add it to a copy of the pricing file and pass --pricing FILE.`
    );
  }
  if (resolved.price.status === 'retired') {
    return (
      `model "${resolved.modelId}" is retired; it is priced at its last known prices, but a production bot ` +
      `cannot use it - rerun with a current model.`
    );
  }
  if (resolved.price.status === 'deprecated') {
    return (
      `model "${resolved.modelId}" is deprecated and reaches end of life on ${resolved.price.retiresOn ?? 'an announced date'}; ` +
      `a bot that keeps it stops working then - plan the move to a current model (e.g. claude-sonnet-5-5).`
    );
  }
  return undefined;
}
