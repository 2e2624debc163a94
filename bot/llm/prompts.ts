import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import type { ReplyLanguage } from './reply-texts.ts';

/**
 * The per-request part of every prompt: the user turn (and history). Everything here changes per user or per
 * day, so it goes *after* the cached system prompt, never into it.
 */

/** One turn of the conversation as the core's turn store keeps it. */
export interface Turn {
  role: 'user' | 'assistant';
  text: string;
}

const LANGUAGE_NAME: Record<ReplyLanguage, string> = { ru: 'Russian', en: 'English' };

/**
 * Messages for a question: the last `contextTurns` turns (trimmed so the list starts with a user turn and
 * roles alternate, as the Messages API requires), then the user's text with the date, topic and knowledge.
 *
 * @example
 * questionMessages({ text: 'why?', history: [], contextTurns: 6, language: 'en', date: '2026-11-30' })
 */
export function questionMessages(input: {
  text: string;
  history: readonly Turn[];
  contextTurns: number;
  language: ReplyLanguage;
  date: string;
  topic?: string;
  knowledge?: string;
}): MessageParam[] {
  const messages: MessageParam[] = [];
  for (const turn of input.contextTurns > 0 ? input.history.slice(-input.contextTurns) : []) {
    if (messages.length === 0 && turn.role !== 'user') continue;
    const last = messages.at(-1);
    if (last && last.role === turn.role) last.content = `${String(last.content)}\n\n${turn.text}`;
    else messages.push({ role: turn.role, content: turn.text });
  }
  const context = [
    `Date: ${input.date}. Reply language: ${LANGUAGE_NAME[input.language]}.`,
    input.topic ? `Subscriber's digest topic: ${input.topic}.` : undefined,
    input.knowledge ? `Knowledge base results:\n${input.knowledge}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
  const userText = `${context}\n\n${input.text}`;
  // The current turn must be a user turn; a history ending on the user's previous message merges into it.
  const last = messages.at(-1);
  if (last?.role === 'user') last.content = `${String(last.content)}\n\n${userText}`;
  else messages.push({ role: 'user', content: userText });
  return messages;
}

/**
 * The single user turn asking for one topic's digest; identical for every subscriber of that topic, date and
 * language, which is what lets the content cache and the batch share it.
 *
 * @example
 * digestMessages({ topic: 'technology', sendDate: '2026-11-30', language: 'ru' })
 */
export function digestMessages(input: { topic: string; sendDate: string; language: ReplyLanguage }): MessageParam[] {
  return [
    {
      role: 'user',
      content: `Write the daily digest. Topic: ${input.topic}. Date: ${input.sendDate}. Language: ${LANGUAGE_NAME[input.language]}.`,
    },
  ];
}
