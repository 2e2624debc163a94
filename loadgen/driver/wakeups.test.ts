import { describe, expect, it } from 'vitest';
import { Wakeups } from './wakeups.ts';

describe('Wakeups', () => {
  it('wakes sleepers in time order, ties in the order they went to sleep, each not before its time', async () => {
    // Simulated ms at timeScale 10: a simulated ms is a tenth of a real one.
    const startMs = performance.now();
    const nowMs = () => (performance.now() - startMs) * 10;
    const wakeups = new Wakeups(nowMs, (ms) => ms / 10);
    const woke: string[] = [];
    const sleep = (name: string, atMs: number) =>
      wakeups.sleepUntil(atMs).then((awake) => {
        expect(awake).toBe(true);
        // Node's timers may fire up to a millisecond early (10 simulated ms here), never more.
        expect(nowMs()).toBeGreaterThan(atMs - 10);
        woke.push(name);
      });
    await Promise.all([sleep('c', 300), sleep('a', 100), sleep('b1', 200), sleep('b2', 200), sleep('now', 0)]);
    expect(woke).toEqual(['now', 'a', 'b1', 'b2', 'c']);
    expect(wakeups.size).toBe(0);
  });

  it('close wakes every sleeper with false, and later sleeps resolve false at once', async () => {
    const wakeups = new Wakeups(
      () => 0,
      (ms) => ms,
    );
    const sleeping = Array.from({ length: 1000 }, (_, i) => wakeups.sleepUntil(60_000 + i));
    expect(wakeups.size).toBe(1000);
    wakeups.close();
    expect(await Promise.all(sleeping)).toEqual(Array.from({ length: 1000 }, () => false));
    expect(await wakeups.sleepUntil(1)).toBe(false);
  });
});
