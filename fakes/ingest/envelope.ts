/**
 * Sentry's envelope format (develop.sentry.dev/sdk/foundations/transport/envelopes): newline-separated JSON,
 * an envelope header, then items, each an item header and a payload. A payload is `length` bytes when the
 * item header says so, else it runs to the next newline.
 */

/** One item of an envelope: its type (`event`, `session`, `client_report`, ...) and its payload parsed if JSON. */
export interface EnvelopeItem {
  type: string;
  payload: unknown;
}

export interface Envelope {
  header: Record<string, unknown>;
  items: EnvelopeItem[];
}

/** Why a body is not an envelope; the fake answers it 400 with this message. */
export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

function parseJson(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new EnvelopeError(`${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EnvelopeError(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Parses one envelope body.
 *
 * @example
 * parseEnvelope(Buffer.from('{}\n{"type":"event"}\n{"event_id":"a"}\n')).items[0].type // 'event'
 */
export function parseEnvelope(body: Buffer): Envelope {
  let at = body.indexOf(0x0a);
  const header = parseJson(body.subarray(0, at === -1 ? body.length : at), 'the envelope header');
  const items: EnvelopeItem[] = [];
  while (at !== -1 && at + 1 < body.length) {
    const start = at + 1;
    const end = body.indexOf(0x0a, start);
    const itemHeader = parseJson(
      body.subarray(start, end === -1 ? body.length : end),
      `item ${items.length + 1}'s header`,
    );
    if (typeof itemHeader.type !== 'string') throw new EnvelopeError(`item ${items.length + 1}'s header has no type`);
    if (end === -1) throw new EnvelopeError(`item ${items.length + 1} has no payload`);
    const length = itemHeader.length;
    let payloadEnd: number;
    if (typeof length === 'number') {
      payloadEnd = end + 1 + length;
      if (payloadEnd > body.length)
        throw new EnvelopeError(`item ${items.length + 1}'s payload is shorter than its length`);
    } else {
      const newline = body.indexOf(0x0a, end + 1);
      payloadEnd = newline === -1 ? body.length : newline;
    }
    const bytes = body.subarray(end + 1, payloadEnd);
    let payload: unknown = bytes;
    try {
      payload = JSON.parse(bytes.toString('utf8'));
    } catch {
      // An attachment or another binary payload: kept as bytes.
    }
    items.push({ type: itemHeader.type, payload });
    at = payloadEnd < body.length && body[payloadEnd] === 0x0a ? payloadEnd : payloadEnd - 1;
    if (payloadEnd >= body.length) break;
  }
  return { header, items };
}
