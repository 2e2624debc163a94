import { describe, expect, it } from 'vitest';
import { figureMoved } from '../analysis/scale-check.ts';
import { movedFigures, type ScaleCheck, scaleCheckBrief, scaleCheckText } from './scale-check.ts';
import type { VerdictColumn } from './types.ts';

const bound = 150;

describe('the scale check compares a figure at two scales with the metamorphic tolerance', () => {
  it('moves a latency only past 25% of the larger value and twice the fidelity bound', () => {
    // Pooling's PgBouncer skip-locked p95 reply, read ok at both scales (docs/findings/README.md).
    expect(figureMoved('ms', 9_200, 2_100, bound)).toBe(true);
    // Within 25%: the sample itself changes between two runs.
    expect(figureMoved('ms', 2_400, 2_100, bound)).toBe(false);
    // 50% apart but within two bounds: each run may carry one bound of the lab's delay.
    expect(figureMoved('ms', 240, 120, bound)).toBe(false);
    expect(figureMoved('ms', 500, 120, bound)).toBe(true);
  });

  it('moves a count past 2 and 25%, a share past 0.05, any yes/no change, an amount by 25% alone', () => {
    expect(figureMoved('updates', 28, 29, bound)).toBe(false);
    expect(figureMoved('updates', 0, 2, bound)).toBe(false);
    expect(figureMoved('updates', 0, 3, bound)).toBe(true);
    expect(figureMoved('digests', 108, 53, bound)).toBe(true);
    expect(figureMoved('share', 0.1, 0.14, bound)).toBe(false);
    expect(figureMoved('share', 0.1, 0.2, bound)).toBe(true);
    expect(figureMoved('0/1', 0, 1, bound)).toBe(true);
    expect(figureMoved('0/1', 1, 1, bound)).toBe(false);
    expect(figureMoved('USD', 1.0, 1.2, bound)).toBe(false);
    expect(figureMoved('USD', 1.0, 1.4, bound)).toBe(true);
    expect(figureMoved('VUs', 300, 500, bound)).toBe(true);
    expect(figureMoved('VUs', 500, 500, bound)).toBe(false);
  });

  it('moves a figure that exists at one scale and not the other (a knee found at one only)', () => {
    expect(figureMoved('VUs', null, 300, bound)).toBe(true);
    expect(figureMoved('VUs', null, null, bound)).toBe(false);
  });

  it("lists a row's moved figures with both values, in the table's column order", () => {
    const columns: VerdictColumn[] = [
      { key: 'lost', label: 'lost', unit: 'updates' },
      { key: 'p95', label: 'p95 reply', unit: 'ms' },
      { key: 'errors', label: '53300 errors', unit: 'errors' },
    ];
    const atScale = { variant: 'a', status: 'ok' as const, error: null, values: { lost: 28, p95: 9_200, errors: 0 } };
    const at1x = { variant: 'a', status: 'ok' as const, error: null, values: { lost: 29, p95: 2_100, errors: 9 } };
    expect(movedFigures(columns, atScale, at1x, bound)).toEqual([
      { column: 'p95', label: 'p95 reply', unit: 'ms', atScale: 9_200, at1x: 2_100 },
      { column: 'errors', label: '53300 errors', unit: 'errors', atScale: 0, at1x: 9 },
    ]);
  });
});

describe('the scale check in words', () => {
  const held: ScaleCheck = { variant: 'webhook x1', timeScale: 1.5, seed: 1, moved: [], ranAt1x: false };
  const moved: ScaleCheck = {
    variant: 'pgbouncer, skip-locked',
    timeScale: 3,
    seed: 1,
    moved: [{ column: 'p95', label: 'p95 reply', unit: 'ms', atScale: 9_200, at1x: 2_100 }],
    ranAt1x: true,
  };

  it('names what held, what moved with both figures, and what could not be compared', () => {
    const failed: ScaleCheck = { ...held, variant: 'webhook x5', error: 'the run failed: bot-1 exited' };
    const text = scaleCheckText({ ran: true, checks: [held, moved, failed] })!;
    expect(text).toContain('the 3 variants of repetition 1 that ran above 1x ran again at 1x (seed 1)');
    expect(text).toContain('Held within the tolerance: webhook x1 (1.5x).');
    expect(text).toContain(
      'Moved, so their figures come from 1x in every repetition: pgbouncer, skip-locked (p95 reply 9.2',
    );
    expect(text).toContain('at 3x, 2.1');
    expect(text).toContain('webhook x5 (the run failed: bot-1 exited)');
  });

  it('gives the answer the first scales would have given when the 1x figures changed the winner', () => {
    const text = scaleCheckText({
      ran: true,
      checks: [moved],
      answerAtScales: { winner: 'direct', answer: 'Direct connections win.' },
    })!;
    expect(text).toContain(
      'At the scales first picked, repetition 1 would have answered otherwise: Direct connections win.',
    );
  });

  it('says when it did not run, and when there was nothing to run', () => {
    expect(scaleCheckText({ ran: false, checks: [] })).toMatch(/^not run, so figures from runs above 1x/);
    expect(scaleCheckText({ ran: true, checks: [] })).toBe(
      'no variant of repetition 1 completed above 1x, so there was nothing to compare.',
    );
    expect(scaleCheckText(undefined)).toBeNull();
  });

  it("gives the findings index's status line its count: held, moved, and whether the answer changed", () => {
    expect(scaleCheckBrief({ ran: true, checks: [held, moved] })).toBe('; scale check: 1 held, 1 moved (run at 1x)');
    expect(
      scaleCheckBrief({ ran: true, checks: [moved], answerAtScales: { winner: 'direct', answer: 'Direct.' } }),
    ).toBe('; scale check: 0 held, 1 moved (run at 1x), which changed the answer');
    expect(scaleCheckBrief({ ran: false, checks: [] })).toBe('; scale check: not run');
    expect(scaleCheckBrief({ ran: true, checks: [] })).toBe('');
  });
});
