import { readFileSync } from 'node:fs';
import type { TextBlockParam } from '@anthropic-ai/sdk/resources/messages';

/**
 * The bot's system prompt: a long, stable text kept as data in `system-prompt.md` (persona, rules, digest format,
 * topic guides). It is long on purpose: over 4,096 tokens, the minimum cacheable prefix of Haiku 4.5, so prompt
 * caching pays off on both models. Nothing per-user or per-day goes in here (the date and the topic travel in the
 * user turn): a single changed byte would make every request a cache miss.
 */
export const SYSTEM_PROMPT: string = readFileSync(new URL('./system-prompt.md', import.meta.url), 'utf8');

export interface PromptCacheSettings {
  promptCaching: boolean;
  promptCacheTtl: '5m' | '1h';
}

/**
 * The `system` parameter: one text block, with a cache breakpoint when prompt caching is on.
 *
 * @example
 * systemBlocks({ promptCaching: true, promptCacheTtl: '5m' })[0].cache_control // { type: 'ephemeral', ttl: '5m' }
 */
export function systemBlocks(settings: PromptCacheSettings): TextBlockParam[] {
  const block: TextBlockParam = { type: 'text', text: SYSTEM_PROMPT };
  if (settings.promptCaching) block.cache_control = { type: 'ephemeral', ttl: settings.promptCacheTtl };
  return [block];
}
