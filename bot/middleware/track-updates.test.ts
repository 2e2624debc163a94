import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { BotContext } from '../context.ts';
import { trackUpdates } from './track-updates.ts';

function metrics() {
  const registry = new Registry();
  const updates = new Counter({ name: 'updates', help: 'h', labelNames: ['kind', 'outcome'], registers: [registry] });
  const updateDuration = new Histogram({ name: 'duration', help: 'h', labelNames: ['kind'], registers: [registry] });
  const counted = async () =>
    Object.fromEntries((await updates.get()).values.map((v) => [`${v.labels.kind}/${v.labels.outcome}`, v.value]));
  return { updates, updateDuration, counted };
}

/** A text message's context, as far as the tracker reads it. */
const textUpdate = (fields: Partial<BotContext> = {}) =>
  ({ message: { text: 'hi' }, replied: false, fallback: false, ...fields }) as unknown as BotContext;

describe('trackUpdates', () => {
  it('drain waits for a running update and reports whether it finished in time', async () => {
    const updates = trackUpdates(metrics());
    let finish: () => void = () => undefined;
    const handler = updates.middleware(textUpdate(), () => new Promise<void>((resolve) => (finish = resolve)));
    expect(updates.count()).toBe(1);
    expect(await updates.drain(10)).toBe(false);
    const drained = updates.drain(5_000);
    finish();
    await handler;
    expect(await drained).toBe(true);
    expect(updates.count()).toBe(0);
  });

  it('counts each update by kind and how it ended, a failure included (and still lets drain finish)', async () => {
    const m = metrics();
    const updates = trackUpdates(m);
    const answered = textUpdate();
    await updates.middleware(answered, async () => {
      answered.replied = true;
    });
    const failedAfterFallback = textUpdate();
    const failing = updates.middleware(failedAfterFallback, async () => {
      failedAfterFallback.replied = true;
      throw new Error('pool exhausted');
    });
    await expect(failing).rejects.toThrow('pool exhausted');
    await expect(updates.middleware(textUpdate(), () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await m.counted()).toEqual({ 'text/ok': 1, 'text/fallback': 1, 'text/error': 1 });
    expect(await updates.drain(10)).toBe(true);
  });
});
