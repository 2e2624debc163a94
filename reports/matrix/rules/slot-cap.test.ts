import { describe, expect, it } from 'vitest';
import { getMatrix } from '../../../scenarios/matrices/index.ts';
import { encodeHistogram } from '../../fixtures/synth.ts';
import { failed, makeRun, ok, spread } from '../testing/outcomes.ts';
import { decideMatrix } from '../verdicts.ts';

const question = getMatrix('slot-cap').question;

/** A sign-up run: the users-above-cap gauge ends at `overCap`, `lockWaits` sessions waited at the peak. */
function signUps(variant: string, capCheck: string, f: { overCap: number; lockWaits: number; p95FromMs: number }) {
  return makeRun({
    variant,
    config: { slotting: { mode: 'auto', slotMinutes: 5, capPerSlot: 25, capCheck } },
    edit: (r) => {
      r.load.updatesByAction = { start: 900 };
      r.latency.byAction = { start: encodeHistogram(spread(900, 100, f.p95FromMs)) };
      r.timeSeries.push(
        {
          name: 'bot_slot_users_over_cap',
          unit: 'count',
          source: 'bot-1',
          points: [
            [0, 0],
            [1000, f.overCap],
          ],
        },
        {
          name: 'pg_lock_waits',
          unit: 'connections',
          source: 'postgres',
          points: [
            [0, 0],
            [1000, f.lockWaits],
          ],
        },
      );
    },
  });
}

describe('slot-cap verdict', () => {
  it('picks the slot table when COUNT then write overbooks, and names the price', () => {
    const count = signUps('COUNT then write', 'count', { overCap: 37, lockWaits: 0, p95FromMs: 400 });
    const table = signUps('slot table', 'slot-table', { overCap: 0, lockWaits: 6, p95FromMs: 600 });
    const v = decideMatrix('slot-cap', question, [ok(count), ok(table)]);
    expect(v.status).toBe('answered');
    expect(v.winner).toBe('slot table');
    expect(v.answer).toMatch(
      /^Use the slot table: COUNT then write put 37 users above the cap after 900 onboarding updates, slot table nobody; the price is slot table's p95 onboarding step \d+ ms against \d+ ms, and its peak of 6 sessions waiting on a lock against 0\.$/,
    );
    expect(v.expectations).toEqual([
      { variant: 'COUNT then write', text: 'puts users above the cap', met: true },
      { variant: 'slot table', text: 'nobody above the cap', met: true },
    ]);
    expect(v.rows.find((r) => r.variant === 'COUNT then write')!.values.overCap).toBe(37);
  });

  it('reads naturally at one: 1 user, 1 session', () => {
    const count = signUps('COUNT then write', 'count', { overCap: 1, lockWaits: 0, p95FromMs: 400 });
    const table = signUps('slot table', 'slot-table', { overCap: 0, lockWaits: 1, p95FromMs: 600 });
    const v = decideMatrix('slot-cap', question, [ok(count), ok(table)]);
    expect(v.answer).toContain('put 1 user above the cap');
    expect(v.answer).toContain('its peak of 1 session waiting');
    expect(v.sentences).toContainEqual(expect.stringMatching(/^COUNT then write: 1 user above the cap after 900/));
  });

  it('says no overbooking was measured when COUNT held the cap, and picks the faster one', () => {
    const count = signUps('COUNT then write', 'count', { overCap: 0, lockWaits: 0, p95FromMs: 400 });
    const table = signUps('slot table', 'slot-table', { overCap: 0, lockWaits: 2, p95FromMs: 900 });
    const v = decideMatrix('slot-cap', question, [ok(count), ok(table)]);
    expect(v.answer).toMatch(
      /^No overbooking measured: COUNT then write and slot table both kept everyone within the cap/,
    );
    expect(v.winner).toBe('COUNT then write');
    expect(v.changesIf).toContain('overlapping sign-ups overbook');
    expect(v.expectations[0]).toEqual({ variant: 'COUNT then write', text: 'puts users above the cap', met: false });
  });

  it('ranks lost updates instead of voiding the answer on a busy machine', () => {
    const count = signUps('COUNT then write', 'count', { overCap: 2, lockWaits: 0, p95FromMs: 400 });
    const busy = signUps('slot table', 'slot-table', { overCap: 0, lockWaits: 3, p95FromMs: 900 });
    const busier = signUps('slot table, webhook x3', 'slot-table', { overCap: 0, lockWaits: 9, p95FromMs: 500 });
    busy.correctness.lostUpdates = 45;
    busier.correctness.lostUpdates = 300;
    const v = decideMatrix('slot-cap', question, [ok(count), ok(busy), ok(busier)]);
    expect(v.winner).toBe('slot table');
    expect(v.answer).toMatch(/^Use the slot table: COUNT then write put 2 users above the cap/);
  });

  it('names no winner when the slot table overbooks too', () => {
    const count = signUps('COUNT then write', 'count', { overCap: 12, lockWaits: 0, p95FromMs: 400 });
    const table = signUps('slot table', 'slot-table', { overCap: 3, lockWaits: 2, p95FromMs: 900 });
    const v = decideMatrix('slot-cap', question, [ok(count), ok(table)]);
    expect(v.answer).toMatch(/^Neither held the cap: even slot table put 3 users above it/);
    expect(v.winner).toBeNull();
  });

  it('lacks data without a completed slot table run or without the gauge', () => {
    const count = signUps('COUNT then write', 'count', { overCap: 12, lockWaits: 0, p95FromMs: 400 });
    const v = decideMatrix('slot-cap', question, [ok(count), failed('slot table')]);
    expect(v.status).toBe('no-data');
    expect(v.answer).toBe(
      'No answer: the comparison needs a slot table variant that completed with the users-above-cap figure.',
    );
    const silent = makeRun({ variant: 'slot table', config: { slotting: { capCheck: 'slot-table' } } });
    expect(decideMatrix('slot-cap', question, [ok(count), ok(silent)]).status).toBe('no-data');
  });
});
