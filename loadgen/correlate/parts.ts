/**
 * How a bot marks one long answer sent as several messages: each part ends in a line `(k/n)` (the reference
 * bot's `partMarker`, bot/reply.ts; Telegram refuses a message over 4,096 characters). The correlation counts
 * such an answer once: its first part is the reply, its last part completes it.
 */
const PART_MARKER = /\n\n\((\d{1,3})\/(\d{1,3})\)$/;

/** Which part of a split answer a message is. */
export interface ReplyPart {
  /** 1-based. */
  index: number;
  count: number;
}

/**
 * The part a message text declares, or undefined for a whole answer (no marker, or a marker that cannot be one).
 *
 * @example
 * readReplyPart('...the end of the first half\n\n(1/2)') // { index: 1, count: 2 }
 * readReplyPart('a whole answer') // undefined
 */
export function readReplyPart(text: string | null | undefined): ReplyPart | undefined {
  const match = text == null ? null : PART_MARKER.exec(text);
  if (match === null) return undefined;
  const index = Number(match[1]);
  const count = Number(match[2]);
  return count >= 2 && index >= 1 && index <= count ? { index, count } : undefined;
}
