/**
 * Token counting without Claude's tokenizer (which is not public). The approximation, per character:
 * - ASCII (Latin letters, digits, punctuation, spaces): 0.25 token (~4 chars/token, Anthropic's rule of thumb);
 * - Cyrillic (U+0400-U+052F): 0.43 token (~2.3 chars/token; BPE vocabularies split Russian words ~2x finer);
 * - CJK and other wide scripts (>= U+2E80): 1 token per character;
 * - anything else (accented Latin, Greek, symbols, emoji halves): 0.5 token.
 * A non-empty text costs at least 1 token; fractions round up per text block.
 * Structural overhead: 4 tokens per request (the assistant turn prompt), 3 per message, 3 for a system prompt,
 * 8 per tool plus its name, description and JSON schema text (plus the API's tool-use system prompt, per model: see
 * models.ts); 4 per tool_use or tool_result block plus its name and input JSON or its content; an image counts 1,600 tokens (the API's cap
 * for a ~1.15 megapixel image); other non-text blocks count their JSON text.
 */

const ASCII_TOKENS_PER_CHAR = 0.25;
const CYRILLIC_TOKENS_PER_CHAR = 0.43;
const WIDE_TOKENS_PER_CHAR = 1;
const OTHER_TOKENS_PER_CHAR = 0.5;

export const TOKEN_OVERHEAD = {
  request: 4,
  message: 3,
  system: 3,
  tool: 8,
  /** A tool_use or tool_result block's structure, on top of its name, input or content. */
  toolBlock: 4,
  image: 1600,
} as const;

/**
 * Approximate Claude tokens in a text.
 *
 * @example
 * countTextTokens('Hello, world') // 3
 * countTextTokens('Привет, мир') // 5 (Cyrillic costs more per character)
 */
export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(fractionalTextTokens(text)));
}

/**
 * The unrounded sum behind `countTextTokens`: the reply generator adds these up word by word, so a reply's
 * text, counted again as input on the next turn, costs about what its `output_tokens` said.
 *
 * @example
 * fractionalTextTokens(' list') // 1.25
 */
export function fractionalTextTokens(text: string): number {
  let ascii = 0;
  let cyrillic = 0;
  let wide = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) ascii++;
    else if (code >= 0x400 && code <= 0x52f) cyrillic++;
    else if (code >= 0x2e80 && (code < 0xd800 || code > 0xdfff)) wide++;
  }
  const other = length - ascii - cyrillic - wide;
  return (
    ascii * ASCII_TOKENS_PER_CHAR +
    cyrillic * CYRILLIC_TOKENS_PER_CHAR +
    wide * WIDE_TOKENS_PER_CHAR +
    other * OTHER_TOKENS_PER_CHAR
  );
}

/** Whether a text is mostly Cyrillic (the fake then answers in Russian). */
export function isMostlyCyrillic(text: string): boolean {
  let cyrillic = 0;
  let letters = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x400 && code <= 0x52f) {
      cyrillic++;
      letters++;
    } else if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) letters++;
  }
  return letters > 0 && cyrillic * 2 >= letters;
}
