import { MINUTES_PER_DAY } from '../slotting/index.ts';
import { findTopic } from '../topics.ts';

/**
 * What a button press means. Buttons carry a short string (Telegram allows 64 bytes); this module is
 * the only place that writes or reads those strings, and `parseAction` refuses anything it did not
 * write (old buttons from a previous version, hand-crafted data), so handlers get valid input only.
 */
export type Action =
  | { type: 'name-ok' }
  | { type: 'name-change' }
  | { type: 'topic-pick'; topicId: string }
  | { type: 'time'; minute: number }
  | { type: 'menu' }
  | { type: 'topics' }
  | { type: 'topic-view'; topicId: string }
  | { type: 'topic-set'; topicId: string }
  | { type: 'settings' }
  | { type: 'settings-topic' }
  | { type: 'settings-time' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'help' };

const SIMPLE: Record<string, Action> = {
  'n:ok': { type: 'name-ok' },
  'n:chg': { type: 'name-change' },
  m: { type: 'menu' },
  tl: { type: 'topics' },
  s: { type: 'settings' },
  st: { type: 'settings-topic' },
  sm: { type: 'settings-time' },
  p: { type: 'pause' },
  r: { type: 'resume' },
  h: { type: 'help' },
};

const WITH_TOPIC = { tp: 'topic-pick', tv: 'topic-view', ts: 'topic-set' } as const;

/**
 * @example
 * encodeAction({ type: 'time', minute: 600 }) // 't:600'
 */
export function encodeAction(action: Action): string {
  switch (action.type) {
    case 'topic-pick':
      return `tp:${action.topicId}`;
    case 'topic-view':
      return `tv:${action.topicId}`;
    case 'topic-set':
      return `ts:${action.topicId}`;
    case 'time':
      return `t:${action.minute}`;
    default:
      return Object.entries(SIMPLE).find(([, a]) => a.type === action.type)![0];
  }
}

/**
 * @example
 * parseAction('t:600') // { type: 'time', minute: 600 }
 * parseAction('t:9999') // undefined
 */
export function parseAction(data: string): Action | undefined {
  const simple = SIMPLE[data];
  if (simple) return simple;
  const [prefix, value, ...rest] = data.split(':');
  if (value === undefined || rest.length > 0) return undefined;
  if (prefix === 't') {
    if (!/^\d{1,4}$/.test(value)) return undefined;
    const minute = Number(value);
    return minute < MINUTES_PER_DAY ? { type: 'time', minute } : undefined;
  }
  const type = WITH_TOPIC[prefix as keyof typeof WITH_TOPIC];
  if (type && findTopic(value)) return { type, topicId: value };
  return undefined;
}
