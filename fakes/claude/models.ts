/**
 * The model catalog the fake serves, as data. Prices are not here: `reports/` owns the pricing data file.
 * Sources: Anthropic model overview (context windows), prompt-caching docs (minimum cacheable prompt length per
 * model), tool use docs (the tool-use system prompt), extended thinking docs (which models keep earlier thinking).
 */

/** A model family with its own rate-limit buckets and latency profile. */
export type ModelClass = 'haiku' | 'sonnet' | 'opus';

export interface ModelInfo {
  /** The dated id the API echoes back in `model`. */
  id: string;
  /** Undated ids that resolve to this model. */
  aliases: readonly string[];
  displayName: string;
  modelClass: ModelClass;
  /** Largest `max_tokens` the API accepts for this model. */
  maxOutputTokens: number;
  /** Shortest prefix (tokens) a cache breakpoint can write; below it nothing is cached and no error. */
  minCacheableTokens: number;
  /** Context window: a prompt over it, or a prompt plus `max_tokens` over it, is refused with a 400. */
  contextWindowTokens: number;
  /**
   * Whether thinking blocks of earlier assistant turns stay in context (and are billed as input). Opus 4.5+ and
   * Sonnet 4.6+ keep them all; older models and every Haiku through 4.5 keep only the current turn's.
   */
  keepsAllThinking: boolean;
  /**
   * The system prompt the API adds when `tools` are given, in input tokens, by `tool_choice`: `auto`/`none`, or
   * `any`/`tool` (forced).
   */
  toolSystemPromptTokens: { auto: number; forced: number };
  /**
   * `deprecated` = announced end of life (see `retiresOn`); `retired` = gone from the real API. Both still answer
   * here, so old scenarios run; the cost report warns about them.
   */
  status: 'active' | 'deprecated' | 'retired';
  /** End-of-life date (YYYY-MM-DD) when announced. */
  retiresOn?: string;
  /** RFC 3339 release date, as `GET /v1/models` reports it. */
  createdAt: string;
}

/**
 * The tool-use system prompt of the Claude 4.x models (tool use docs, "Pricing": 346 tokens for `auto`/`none`,
 * 313 for `any`/`tool`).
 */
const TOOL_PROMPT_CLAUDE_4 = { auto: 346, forced: 313 } as const;

/**
 * Models the fake knows. Add a row to serve another model; unknown ids get 404 `model: <id>` as the API does.
 *
 * @example
 * MODELS.find((m) => m.id === 'claude-haiku-4-5-20251001')?.minCacheableTokens // 4096
 */
export const MODELS: readonly ModelInfo[] = [
  {
    id: 'claude-haiku-4-5-20251001',
    aliases: ['claude-haiku-4-5'],
    displayName: 'Claude Haiku 4.5',
    modelClass: 'haiku',
    maxOutputTokens: 64_000,
    minCacheableTokens: 4096,
    contextWindowTokens: 200_000,
    keepsAllThinking: false,
    toolSystemPromptTokens: TOOL_PROMPT_CLAUDE_4,
    status: 'active',
    createdAt: '2025-10-01T00:00:00Z',
  },
  {
    // The current Sonnet (Anthropic's model overview, read 2026-11-29). Its minimum cacheable length is not
    // in the sources botcap read; Sonnet 5's 1,024 tokens is assumed.
    id: 'claude-sonnet-5-5',
    aliases: [],
    displayName: 'Claude Sonnet 5.5',
    modelClass: 'sonnet',
    maxOutputTokens: 128_000,
    minCacheableTokens: 1024,
    // 1M like Sonnet 4.6 (models overview, May 2026); its tool prompt size is assumed equal to the 4.x models'.
    contextWindowTokens: 1_000_000,
    keepsAllThinking: true,
    toolSystemPromptTokens: TOOL_PROMPT_CLAUDE_4,
    status: 'active',
    createdAt: '2026-09-28T00:00:00Z',
  },
  {
    id: 'claude-sonnet-4-6',
    aliases: [],
    displayName: 'Claude Sonnet 4.6',
    modelClass: 'sonnet',
    maxOutputTokens: 64_000,
    minCacheableTokens: 1024,
    contextWindowTokens: 1_000_000,
    keepsAllThinking: true,
    toolSystemPromptTokens: TOOL_PROMPT_CLAUDE_4,
    status: 'active',
    createdAt: '2026-02-17T00:00:00Z',
  },
  {
    id: 'claude-sonnet-4-5-20250929',
    aliases: ['claude-sonnet-4-5'],
    displayName: 'Claude Sonnet 4.5',
    modelClass: 'sonnet',
    maxOutputTokens: 64_000,
    minCacheableTokens: 1024,
    // 200K; 1M needs the context-1m beta header, not modelled.
    contextWindowTokens: 200_000,
    keepsAllThinking: false,
    toolSystemPromptTokens: TOOL_PROMPT_CLAUDE_4,
    // End of life as listed in @anthropic-ai/sdk 1.14.0 (internal/data/deprecated-models).
    status: 'deprecated',
    retiresOn: '2026-11-30',
    createdAt: '2025-09-29T00:00:00Z',
  },
  {
    id: 'claude-opus-4-5-20251101',
    aliases: ['claude-opus-4-5'],
    displayName: 'Claude Opus 4.5',
    modelClass: 'opus',
    maxOutputTokens: 64_000,
    minCacheableTokens: 4096,
    contextWindowTokens: 200_000,
    keepsAllThinking: true,
    toolSystemPromptTokens: TOOL_PROMPT_CLAUDE_4,
    status: 'deprecated',
    retiresOn: '2027-01-22',
    createdAt: '2025-11-01T00:00:00Z',
  },
  {
    id: 'claude-3-5-haiku-20241022',
    aliases: ['claude-3-5-haiku-latest'],
    displayName: 'Claude Haiku 3.5',
    modelClass: 'haiku',
    maxOutputTokens: 8192,
    minCacheableTokens: 2048,
    contextWindowTokens: 200_000,
    keepsAllThinking: false,
    toolSystemPromptTokens: { auto: 264, forced: 340 },
    status: 'retired',
    createdAt: '2024-10-22T00:00:00Z',
  },
];

const BY_ID = new Map<string, ModelInfo>();
for (const model of MODELS) {
  BY_ID.set(model.id, model);
  for (const alias of model.aliases) BY_ID.set(alias, model);
}

/**
 * The model for an id or alias, or undefined.
 *
 * @example
 * resolveModel('claude-haiku-4-5')?.id // 'claude-haiku-4-5-20251001'
 */
export function resolveModel(id: string): ModelInfo | undefined {
  return BY_ID.get(id);
}
