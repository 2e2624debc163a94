import { z } from 'zod';
import { ConfigError } from '../../common/errors.ts';
import { formatZodIssues } from '../../common/validation.ts';
import { addUsage, type TokenUsage, ZERO_USAGE } from '../../contracts/token-usage.ts';
import { DAY_MODEL_DEFAULTS } from '../../scenarios/day-model.ts';
import { perUserPerDay, resolveDayModel } from '../analysis/day-model.ts';
import { BATCH_KEY_PREFIX, defaultPricing, type Pricing, resolveModelPrice } from '../data/pricing.ts';
import { DIGEST_ROUTE, type UsageProfile } from './profile.ts';

const share = z.coerce.number().min(0).max(1);

/** The day model's updates per user per day, split by the default action mix: questions, and the rest. */
const DAY_UPDATES = (() => {
  const perUser = perUserPerDay(resolveDayModel());
  return { question: perUser.question, other: perUser.navigation + perUser.settings + perUser.start };
})();
const count = z.coerce.number().min(0);
const FLAG_WORDS: Readonly<Record<string, boolean>> = {
  true: true,
  on: true,
  yes: true,
  '1': true,
  false: false,
  off: false,
  no: false,
  '0': false,
};
/** A strict boolean: `--routing maybe` is an error, not `true`. */
const flag = z.preprocess(
  (v) => (typeof v === 'string' ? (FLAG_WORDS[v.toLowerCase()] ?? v) : v),
  z.boolean({ error: () => `expected on/off (true/false, yes/no, 1/0)` }),
);

/**
 * Stated assumptions for a cost estimate without a run. Each field has one default here; `botcap cost
 * --help` prints these descriptions and defaults. A daily active user sends `messagesPerUserPerDay` free-text
 * messages (each a Claude call) and receives `digestsPerUserPerDay` digests; navigation costs no tokens.
 */
export const whatIfSchema = z.object({
  dau: count.default(DAY_MODEL_DEFAULTS.dailyActiveUsers).describe('daily active users'),
  messagesPerUserPerDay: count
    .default(DAY_UPDATES.question)
    .describe('free-text messages per user per day (each one Claude call)'),
  navigationPerUserPerDay: count
    .default(DAY_UPDATES.other)
    .describe('inline-keyboard taps and commands per user per day (no Claude call)'),
  systemPromptTokens: count
    .default(2_000)
    .describe('stable system prompt, tokens: the prefix prompt caching can store'),
  inputTokensPerMessage: count
    .default(800)
    .describe('input tokens per message besides the system prompt (context + the message)'),
  outputTokensPerMessage: count.default(300).describe('output tokens per answer'),
  simpleTurnShare: share.default(0.6).describe('share of messages simple enough for the small model (0-1)'),
  digestsPerUserPerDay: count
    .default(DAY_MODEL_DEFAULTS.digestsPerUserPerDay)
    .describe('digests delivered per user per day'),
  digestInputTokens: count.default(3_000).describe('input tokens per generated digest'),
  digestOutputTokens: count.default(700).describe('output tokens per generated digest'),
  digestCacheHitRate: share
    .default(0.8)
    .describe('share of digests served from the content cache (same topic, same day) (0-1)'),
  promptCacheHitRate: share
    .default(0.9)
    .describe('share of calls that read the cached system prompt; the rest write it (0-1)'),
  promptCacheTtl: z.enum(['5m', '1h']).default('5m').describe('prompt cache TTL: 5m or 1h (1h writes cost more)'),
  routing: flag.default(true).describe('model routing on'),
  digestCache: flag.default(true).describe('digest content cache on'),
  promptCaching: flag.default(true).describe('prompt caching on'),
  batchDigests: flag.default(true).describe('digests through the Batch API'),
  bigModel: z.string().default('claude-sonnet-5-5').describe('model for complex turns and digests'),
  smallModel: z.string().default('claude-haiku-4-5-20251001').describe('model for simple turns when routing'),
  botInstances: z.coerce.number().int().min(0).default(2).describe('bot instances (infrastructure lines)'),
});
export type WhatIfAssumptions = z.infer<typeof whatIfSchema>;
export type WhatIfInput = z.input<typeof whatIfSchema>;

/** The defaults, resolved once, for `--help` and the README. */
export const WHAT_IF_DEFAULTS: WhatIfAssumptions = whatIfSchema.parse({});

/**
 * Validates what-if assumptions from flags or a file; errors name the field, the value and the range.
 *
 * @example
 * parseWhatIf({ dau: '20000', simpleTurnShare: '0.7' }).dau // 20000
 */
export function parseWhatIf(input: unknown): WhatIfAssumptions {
  const parsed = whatIfSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ConfigError(`invalid what-if assumptions:\n  ${formatZodIssues(parsed.error, input).join('\n  ')}`);
}

/**
 * One day of DAU users' Claude traffic, built from the assumptions, in the same shape a run produces.
 * Prompt caching only applies to a model whose minimum cacheable length the system prompt reaches
 * (2,000 tokens caches on Sonnet 4.5, not on Haiku 4.5); that rule comes from the pricing data.
 *
 * @example
 * computeCost(profileFromWhatIf(parseWhatIf({ dau: 10_000 })), { dau: 10_000 })
 */
export function profileFromWhatIf(a: WhatIfAssumptions, pricing: Pricing = defaultPricing()): UsageProfile {
  const questions = a.dau * a.messagesPerUserPerDay;
  const simpleQuestions = a.routing ? questions * a.simpleTurnShare : 0;
  const complexQuestions = questions - simpleQuestions;
  const digestsDelivered = a.dau * a.digestsPerUserPerDay;
  const digestCalls = a.digestCache ? digestsDelivered * (1 - a.digestCacheHitRate) : digestsDelivered;
  const digestKey = a.batchDigests ? `${BATCH_KEY_PREFIX}${a.bigModel}` : a.bigModel;

  const cachingNotes: string[] = [];
  const questionUsage = (model: string, calls: number): TokenUsage => {
    const minTokens = resolveModelPrice(pricing, model).price?.minCacheableTokens ?? 0;
    const cacheable = a.promptCaching && a.systemPromptTokens >= minTokens && a.systemPromptTokens > 0;
    if (a.promptCaching && !cacheable && calls > 0) {
      cachingNotes.push(
        `The ${a.systemPromptTokens}-token system prompt is below ${model}'s minimum cacheable length ` +
          `(${minTokens} tokens), so its calls get no prompt caching.`,
      );
    }
    const written = cacheable ? calls * a.systemPromptTokens * (1 - a.promptCacheHitRate) : 0;
    return {
      calls,
      inputTokens: calls * a.inputTokensPerMessage + (cacheable ? 0 : calls * a.systemPromptTokens),
      outputTokens: calls * a.outputTokensPerMessage,
      cacheWrite5mTokens: a.promptCacheTtl === '5m' ? written : 0,
      cacheWrite1hTokens: a.promptCacheTtl === '1h' ? written : 0,
      cacheReadTokens: cacheable ? calls * a.systemPromptTokens * a.promptCacheHitRate : 0,
    };
  };

  const questionByModel: Record<string, TokenUsage> = {};
  if (complexQuestions > 0) questionByModel[a.bigModel] = questionUsage(a.bigModel, complexQuestions);
  if (simpleQuestions > 0) {
    const small = questionUsage(a.smallModel, simpleQuestions);
    questionByModel[a.smallModel] = questionByModel[a.smallModel]
      ? addUsage(questionByModel[a.smallModel]!, small)
      : small;
  }
  const digestByModel: Record<string, TokenUsage> = {
    [digestKey]: {
      ...ZERO_USAGE,
      calls: digestCalls,
      inputTokens: digestCalls * a.digestInputTokens,
      outputTokens: digestCalls * a.digestOutputTokens,
    },
  };

  const byModel: Record<string, TokenUsage> = {};
  for (const routeModels of [questionByModel, digestByModel]) {
    for (const [key, usage] of Object.entries(routeModels)) {
      byModel[key] = byModel[key] ? addUsage(byModel[key]!, usage) : usage;
    }
  }
  return {
    kind: 'what-if',
    label: `what-if: ${a.dau.toLocaleString('en-US')} DAU`,
    byModel,
    byRoute: {
      navigation: { ...ZERO_USAGE },
      question: addUsage(...Object.values(questionByModel)),
      [DIGEST_ROUTE]: addUsage(...Object.values(digestByModel)),
    },
    byRouteModel: { navigation: {}, question: questionByModel, [DIGEST_ROUTE]: digestByModel },
    digests: { delivered: digestsDelivered, generatedCalls: digestCalls },
    userDays: a.dau,
    updates: a.dau * (a.messagesPerUserPerDay + a.navigationPerUserPerDay),
    periodLabel: 'one day',
    botInstances: a.botInstances,
    baselineModel: a.bigModel,
    mitigations: {
      routing: a.routing,
      digestCache: a.digestCache,
      promptCaching: a.promptCaching,
      batchDigests: a.batchDigests,
    },
    assumptions: [
      `What-if, no run: ${describeAssumptions(a)}.`,
      `Navigation (${a.navigationPerUserPerDay} taps per user per day) makes no Claude call.`,
      ...cachingNotes,
    ],
  };
}

/** The assumptions as one readable line. */
export function describeAssumptions(a: WhatIfAssumptions): string {
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  return [
    `${a.messagesPerUserPerDay} messages/user/day of ${a.systemPromptTokens} system + ${a.inputTokensPerMessage} input -> ${a.outputTokensPerMessage} output tokens`,
    `${pct(a.simpleTurnShare)} simple turns`,
    `${a.digestsPerUserPerDay} digest/user/day of ${a.digestInputTokens} -> ${a.digestOutputTokens} tokens`,
    `digest cache hit ${pct(a.digestCacheHitRate)}`,
    `prompt cache hit ${pct(a.promptCacheHitRate)} (TTL ${a.promptCacheTtl})`,
    `models ${a.bigModel} / ${a.smallModel}`,
    `on: ${
      (['routing', 'digestCache', 'promptCaching', 'batchDigests'] as const).filter((k) => a[k]).join(', ') || 'none'
    }`,
  ].join('; ');
}
