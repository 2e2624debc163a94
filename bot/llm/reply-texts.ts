/**
 * Texts the bot sends as they are. Digests start with "📰"; fallbacks (breaker open, retries exhausted, bulkhead
 * full) start with "⚠️", so the load generator and tests can tell them from real answers.
 */

export type ReplyLanguage = 'ru' | 'en';

/** Russian for `ru*` language codes, English for everything else (as the bot's onboarding does). */
export function replyLanguage(languageCode: string | undefined): ReplyLanguage {
  return languageCode?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export const DIGEST_PREFIX = '📰';
export const FALLBACK_PREFIX = '⚠️';

const ANSWER_FALLBACK: Record<ReplyLanguage, string> = {
  ru: `${FALLBACK_PREFIX} Сейчас не получается ответить: сервис перегружен. Попробуйте ещё раз через пару минут.`,
  en: `${FALLBACK_PREFIX} I can't answer right now: the service is overloaded. Please try again in a few minutes.`,
};

const DIGEST_FALLBACK: Record<ReplyLanguage, string> = {
  ru: `${FALLBACK_PREFIX} Сегодняшний дайджест временно недоступен. Следующий придёт в обычное время.`,
  en: `${FALLBACK_PREFIX} Today's digest is temporarily unavailable. The next one arrives at your usual time.`,
};

/**
 * @example
 * answerFallback('ru') // '⚠️ Сейчас не получается ответить: ...'
 */
export const answerFallback = (language: ReplyLanguage): string => ANSWER_FALLBACK[language];
export const digestFallback = (language: ReplyLanguage): string => DIGEST_FALLBACK[language];

/**
 * A generated digest as sent: always starting with "📰".
 *
 * @example
 * asDigestText('Technology, 30 November ...') // '📰 Technology, 30 November ...'
 */
export function asDigestText(generated: string): string {
  const text = generated.trim();
  return text.startsWith(DIGEST_PREFIX) ? text : `${DIGEST_PREFIX} ${text}`;
}
