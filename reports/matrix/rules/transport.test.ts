import { describe, expect, it } from 'vitest';
import { getMatrix } from '../../../scenarios/matrices/index.ts';
import { loadFixture } from '../../fixtures/index.ts';
import { ok } from '../testing/outcomes.ts';
import { decideMatrix } from '../verdicts.ts';
import { TODAY_CONCURRENT_USERS } from './transport.ts';

const question = getMatrix('transport').question;

describe('transport verdict: when to switch', () => {
  it("states where polling x1 breaks, its margin over today's 50 concurrent users, and what the winner costs", () => {
    const polling = loadFixture('variant-polling-x1');
    const webhook3 = loadFixture('variant-webhook-x3');
    polling.database.maxConnectionsSeen = 12;
    webhook3.database.maxConnectionsSeen = 32;
    const v = decideMatrix('transport', question, [ok(polling), ok(webhook3)]);
    const row = (label: string) => v.rows.find((r) => r.variant === label)!.values;
    const p = row('polling x1');
    expect(v.winner).toBe('webhook x3');
    expect(p.brokeAtVus).not.toBeNull();
    const margin = p.kneeVus! - TODAY_CONCURRENT_USERS;
    const headroom =
      margin > 0
        ? `${margin} VUs of headroom over today's 50 concurrent users`
        : margin === 0
          ? "no headroom at today's 50 concurrent users"
          : `already ${-margin} VUs over its knee at today's 50 concurrent users`;
    expect(v.answer).toContain(
      `polling x1 broke at ${p.brokeAtVus} VUs (knee ${p.kneeVus}), ${headroom}; webhook x3 costs 2 more instances and 20 more peak Postgres connections (32 vs 12).`,
    );
    expect(v.answer).toMatch(
      margin > 0
        ? new RegExp(`Switch to webhook x3 before ${p.kneeVus} concurrent users:`)
        : /Switch to webhook x3 now:/,
    );
  });

  it('still reads polling x1 as the baseline of the switch when a duplicate reply kept it from winning', () => {
    const polling = loadFixture('variant-polling-x1');
    polling.correctness.duplicateReplies = 1;
    const v = decideMatrix('transport', question, [ok(polling), ok(loadFixture('variant-webhook-x3'))]);
    expect(v.winner).toBe('webhook x3');
    expect(v.answer).toMatch(/Switch to webhook x3 (now|before [\d,]+ concurrent users): polling x1 (broke|held)/);
    expect(v.sentences.join(' ')).toContain('polling x1: ');
    expect(v.sentences.join(' ')).toContain('1 duplicate reply');
  });

  it('never says "no switch needed" when polling x1 wins but is over its knee today', () => {
    const polling = loadFixture('variant-polling-x1');
    const v = decideMatrix('transport', question, [ok(polling)]);
    const p = v.rows[0]!.values;
    expect(v.winner).toBe('polling x1');
    expect(v.answer).not.toContain('costs');
    if (p.brokeAtVus !== null && p.kneeVus! <= TODAY_CONCURRENT_USERS) {
      expect(v.answer).toContain(
        "No measured variant does better than polling x1, and it does not hold today's 50 concurrent users:",
      );
      expect(v.answer).not.toContain('No switch needed');
    } else {
      expect(v.answer).toMatch(/No switch needed yet: polling x1 (broke|held)/);
    }
  });
});
