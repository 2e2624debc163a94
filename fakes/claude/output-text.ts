/**
 * The assistant's reply: deterministic for a seed and a request, plausible words in the language of the
 * last user message (Russian when it is mostly Cyrillic), with a length drawn from a lognormal distribution
 * and capped by `max_tokens` (then `stop_reason` is `max_tokens`).
 */
import { z } from 'zod';
import { createRng, lognormalFromMedianP95, type Rng } from './random.ts';
import { fractionalTextTokens, isMostlyCyrillic } from './tokenizer.ts';

export const outputLengthSchema = z.object({
  medianTokens: z.number().positive(),
  p95Tokens: z.number().positive(),
});
/** The distribution of reply lengths, in output tokens, before the `max_tokens` cap. */
export type OutputLength = z.infer<typeof outputLengthSchema>;

const ENGLISH = (
  'the a to of and in that is for it with as on this be you your can will we by not are more one about ' +
  'time day plan idea step today morning news topic note reply question answer helpful short summary ' +
  'digest market weather team project update reading list learning habit practice goal progress week ' +
  'simple clear good best next first also here there because when which what how could would should'
).split(' ');

const RUSSIAN = (
  'и в не на что с как это по к но из у за о от для так уже все мы вы вам ваш день план идея шаг ' +
  'сегодня утро новости тема заметка ответ вопрос полезный краткий обзор дайджест погода команда проект ' +
  'чтение список привычка цель прогресс неделя просто ясно хорошо лучше дальше сначала также здесь потому ' +
  'когда который можно нужно стоит важно интересно'
).split(' ');

/** A sentence with its words as stream pieces (each with its leading space) and their token costs. */
interface Sentence {
  /** With a leading space: sentences after the first are appended as is. */
  text: string;
  tokens: number;
  words: string[];
  wordTokens: number[];
}

const SENTENCES_PER_LANGUAGE = 512;

/**
 * Sentences are written once per language from a fixed seed; a reply strings drawn sentences together and cuts
 * the last one at a word. A few draws per reply instead of one per word: the reply is on the hot path.
 */
function buildSentences(words: readonly string[]): Sentence[] {
  const rng = createRng(0x5e47e);
  const sentences: Sentence[] = [];
  for (let n = 0; n < SENTENCES_PER_LANGUAGE; n++) {
    const length = 4 + Math.floor(rng() * 13);
    const pieces: string[] = [];
    for (let w = 0; w < length; w++) {
      let word = words[Math.floor(rng() * words.length)]!;
      if (w === 0) word = word.charAt(0).toUpperCase() + word.slice(1);
      if (w === length - 1) word += '.';
      pieces.push(` ${word}`);
    }
    const wordTokens = pieces.map((piece) => fractionalTextTokens(piece));
    sentences.push({
      text: pieces.join(''),
      tokens: wordTokens.reduce((sum, t) => sum + t, 0),
      words: pieces,
      wordTokens,
    });
  }
  return sentences;
}

const ENGLISH_SENTENCES = buildSentences(ENGLISH);
const RUSSIAN_SENTENCES = buildSentences(RUSSIAN);

export interface GeneratedReply {
  text: string;
  /** Exactly what `usage.output_tokens` reports: 1 <= outputTokens <= max_tokens. */
  outputTokens: number;
  stopReason: 'end_turn' | 'max_tokens';
}

/** A piece of a streamed reply: one word (with its leading space) and the output tokens it stands for. */
export interface ReplyPiece {
  text: string;
  tokens: number;
}

/**
 * Writes a reply for a request. The text counts, by the tokenizer's rates, about `outputTokens`.
 *
 * @example
 * generateReply(rng, 'Привет!', 200, { medianTokens: 150, p95Tokens: 500 }).text // 'Сегодня хорошо ...'
 */
export function generateReply(rng: Rng, lastUserText: string, maxTokens: number, length: OutputLength): GeneratedReply {
  const drawn = Math.max(1, Math.round(lognormalFromMedianP95(rng, length.medianTokens, length.p95Tokens)));
  const outputTokens = Math.min(drawn, maxTokens);
  const stopReason = drawn > maxTokens ? 'max_tokens' : 'end_turn';
  const sentences = isMostlyCyrillic(lastUserText) ? RUSSIAN_SENTENCES : ENGLISH_SENTENCES;
  let text = '';
  let tokens = 0;
  while (outputTokens - tokens > 1e-9) {
    const sentence = sentences[Math.floor(rng() * sentences.length)]!;
    if (tokens + sentence.tokens <= outputTokens) {
      text += sentence.text;
      tokens += sentence.tokens;
      continue;
    }
    // The last sentence is cut at the word that reaches the budget.
    for (let w = 0; w < sentence.words.length && outputTokens - tokens > 1e-9; w++) {
      text += sentence.words[w];
      tokens += sentence.wordTokens[w]!;
    }
  }
  // Every piece carries a leading space; the reply itself starts without one.
  return { text: text.slice(1), outputTokens, stopReason };
}

/**
 * Cuts a text into the word pieces a stream sends as deltas, with the output tokens each stands for (they sum to
 * `outputTokens`; used to pace the deltas). Only streams pay for this.
 *
 * @example
 * textPieces(reply.text, reply.outputTokens).map((p) => p.text).join('') === reply.text // true
 */
export function textPieces(text: string, outputTokens: number): ReplyPiece[] {
  const texts = text.match(/\s*\S+/g) ?? [text];
  const raw = texts.map((piece) => fractionalTextTokens(piece));
  const total = raw.reduce((sum, t) => sum + t, 0);
  const scale = total > 0 ? outputTokens / total : 0;
  return texts.map((piece, i) => ({ text: piece, tokens: raw[i]! * scale }));
}

/** Characters of a tool input's JSON per `input_json_delta` (the API sends it in short fragments). */
const JSON_PIECE_CHARS = 12;

/**
 * Cuts a tool input's JSON into `partial_json` fragments with the output tokens each stands for; the first is empty,
 * as the API's first `input_json_delta` is.
 *
 * @example
 * jsonPieces('{"query":"rates"}', 8).map((p) => p.text).join('') // '{"query":"rates"}'
 */
export function jsonPieces(json: string, outputTokens: number): ReplyPiece[] {
  const pieces: ReplyPiece[] = [{ text: '', tokens: 0 }];
  const count = Math.max(1, Math.ceil(json.length / JSON_PIECE_CHARS));
  for (let i = 0; i < count; i++) {
    pieces.push({ text: json.slice(i * JSON_PIECE_CHARS, (i + 1) * JSON_PIECE_CHARS), tokens: outputTokens / count });
  }
  return pieces;
}
