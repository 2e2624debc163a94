import { describe, expect, it } from 'vitest';
import { MessageWindow } from './message-window.ts';

describe('MessageWindow', () => {
  it('holds the last `kept` messages by id and forgets older ones as new ones come', () => {
    const window = new MessageWindow<string>(100);
    for (let id = 1; id <= 250; id++) window.add(id, `m${id}`);
    expect(window.get(150)).toBeUndefined();
    expect(window.get(151)).toBe('m151');
    expect(window.get(250)).toBe('m250');
    expect(window.get(251)).toBeUndefined();
  });

  it('keeps every message while it grows from a few slots to `kept`', () => {
    const window = new MessageWindow<number>(1000);
    for (let id = 1; id <= 700; id++) window.add(id, id);
    const held = Array.from({ length: 700 }, (_, i) => window.get(i + 1));
    expect(held).toEqual(Array.from({ length: 700 }, (_, i) => i + 1));
  });

  it('a window smaller than its first slots still forgets past `kept`', () => {
    const window = new MessageWindow<string>(2);
    window.add(1, 'a');
    window.add(2, 'b');
    window.add(3, 'c');
    expect([window.get(1), window.get(2), window.get(3)]).toEqual([undefined, 'b', 'c']);
  });

  it('deletes a held message once, and never one it does not hold', () => {
    const window = new MessageWindow<string>(10);
    for (let id = 1; id <= 30; id++) window.add(id, `m${id}`);
    expect(window.delete(25)).toBe(true);
    expect(window.delete(25)).toBe(false);
    expect(window.get(25)).toBeUndefined();
    expect(window.delete(5)).toBe(false);
    expect(window.delete(31)).toBe(false);
    expect(window.get(26)).toBe('m26');
  });

  it('answers nothing for ids no chat has: zero, negative, fractional, beyond the newest', () => {
    const window = new MessageWindow<string>(10);
    window.add(1, 'a');
    for (const id of [0, -1, 1.5, 2, Number.NaN, Number.MAX_SAFE_INTEGER]) expect(window.get(id)).toBeUndefined();
  });

  it('an id skipped over leaves no older message in its place', () => {
    const window = new MessageWindow<string>(4);
    for (let id = 1; id <= 16; id++) window.add(id, `m${id}`);
    window.add(19, 'm19');
    expect([window.get(16), window.get(17), window.get(18), window.get(19)]).toEqual([
      'm16',
      undefined,
      undefined,
      'm19',
    ]);
  });

  it('refuses ids that do not grow and a bound that is not a positive integer', () => {
    const window = new MessageWindow<string>(3);
    window.add(5, 'e');
    expect(() => window.add(5, 'again')).toThrow(/only grow/);
    expect(() => window.add(4, 'older')).toThrow(/only grow/);
    expect(() => new MessageWindow(0)).toThrow(/positive integer/);
  });
});
