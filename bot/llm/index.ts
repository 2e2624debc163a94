/**
 * The bot's Claude side: one `Assistant` that answers questions and writes digests with resilience and cost
 * controls applied (routing, digest cache, prompt caching, Batch API pre-generation).
 */
export {
  type AnswerInput,
  type Assistant,
  type AssistantDeps,
  type AssistantReply,
  createAssistant,
  type DigestInput,
  type DigestReply,
} from './assistant.ts';
export type { BatchStepResult } from './digest-batches.ts';
export type { Turn } from './prompts.ts';
export { answerFallback, DIGEST_PREFIX, digestFallback, FALLBACK_PREFIX, replyLanguage } from './reply-texts.ts';
export { type ComplexityScore, chooseModel, complexityScore, ROUTING_WEIGHTS } from './routing.ts';
export { SYSTEM_PROMPT } from './system-prompt.ts';
