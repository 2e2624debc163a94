/**
 * Extended thinking's signatures and redacted blocks. A `thinking` block carries a signature the API checks when
 * the block comes back, so a modified block is refused; here the signature is an HMAC of the model and the text
 * under a key derived from the seed (a fake restarted with the same seed accepts its earlier blocks).
 * `redacted_thinking` carries opaque `data`; the API returns one when its safety systems flag the reasoning, and
 * for the documented test string `REDACTED_THINKING_TRIGGER` (extended thinking docs, "Thinking redaction").
 */
import { createHmac } from 'node:crypto';

/** The documented test prompt that makes the API answer with a `redacted_thinking` block. */
export const REDACTED_THINKING_TRIGGER =
  'ANTHROPIC_MAGIC_STRING_TRIGGER_REDACTED_THINKING_46C9A13E193C177646C7398A98432ECCCE4C1253D5E2D82641AC0E52CC2876CB';

export interface ThinkingSigner {
  /** The signature of a thinking block the model wrote. */
  sign(modelId: string, thinking: string): string;
  /** Whether a block sent back is one this server signed, unmodified. */
  verify(modelId: string, thinking: string, signature: string): boolean;
  /**
   * Opaque `data` of a redacted block standing for `tokens` thinking tokens: 4 ASCII characters per token, so
   * counted again as input it costs what it cost as output.
   */
  redactedData(modelId: string, tokens: number): string;
}

/**
 * @example
 * const signer = createThinkingSigner(1);
 * signer.verify('claude-haiku-4-5-20251001', text, signer.sign('claude-haiku-4-5-20251001', text)) // true
 */
export function createThinkingSigner(seed: number): ThinkingSigner {
  const key = `botcap-fake-claude-thinking-${seed}`;
  const mac = (modelId: string, thinking: string) =>
    createHmac('sha256', key).update(modelId).update('\u0000').update(thinking).digest('base64');
  return {
    sign: (modelId, thinking) => `Ep${mac(modelId, thinking)}`,
    verify: (modelId, thinking, signature) => signature === `Ep${mac(modelId, thinking)}`,
    redactedData(modelId, tokens) {
      const seedText = mac(modelId, String(tokens));
      let data = '';
      while (data.length < tokens * 4) data += seedText;
      return data.slice(0, Math.max(4, tokens * 4));
    },
  };
}
