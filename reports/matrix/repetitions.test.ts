import { describe, expect, it } from 'vitest';
import { repetitionsText } from './render.ts';
import { foldRepetitions, spread } from './repetitions.ts';
import { MATRIX_VERDICT_SCHEMA_VERSION, type MatrixVerdict } from './types.ts';

function verdict(
  winner: string | null,
  knees: Record<string, number | null>,
  answer = `${winner} wins.`,
): MatrixVerdict {
  return {
    schemaVersion: MATRIX_VERDICT_SCHEMA_VERSION,
    matrix: 'transport',
    question: 'Polling or webhooks?',
    rule: 'highest knee wins',
    status: 'answered',
    answer,
    figure: `knee ${winner === null ? '-' : knees[winner]}`,
    changesIf: 'never',
    sentences: [],
    expectations: [],
    winner,
    columns: [{ key: 'knee', label: 'knee', unit: 'VUs' }],
    rows: Object.entries(knees).map(([variant, knee]) => ({
      variant,
      status: knee === null ? 'failed' : 'ok',
      error: knee === null ? 'run threw' : null,
      values: knee === null ? ({} as Record<string, number | null>) : { knee },
    })),
  };
}

describe('repetition statistics', () => {
  it('gives the median and range of the values present', () => {
    expect(spread([3, 1, null, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([4, 1])).toEqual({ median: 2.5, min: 1, max: 4, n: 2 });
    expect(spread([null])).toEqual({ median: null, min: null, max: null, n: 0 });
  });

  it('keeps a winner every repetition agreed on, with medians and ranges per figure', () => {
    const folded = foldRepetitions([
      verdict('webhook x3', { 'webhook x3': 400, 'polling x1': 200 }),
      verdict('webhook x3', { 'webhook x3': 500, 'polling x1': 300 }),
      verdict('webhook x3', { 'webhook x3': 300, 'polling x1': 100 }),
    ]);
    expect(folded.status).toBe('answered');
    expect(folded.winner).toBe('webhook x3');
    expect(folded.repetitions).toMatchObject({ count: 3, stable: true, wins: [{ variant: 'webhook x3', wins: 3 }] });
    expect(folded.answer).toContain('3 of 3 repetitions picked webhook x3');
    const row = folded.rows.find((r) => r.variant === 'webhook x3')!;
    expect(row.values.knee).toBe(400);
    expect(row.spreads.knee).toEqual({ median: 400, min: 300, max: 500, n: 3 });
    // The typical repetition (median knee of the winner) speaks, not the best one.
    expect(folded.repetitions.representative).toBe(1);
    expect(folded.figure).toBe('repetition 1 of 3, a typical one: knee 400');
    expect(folded.answer).toMatch(
      /picked webhook x3; figures from repetition 1 of 3, a typical one, medians in the table\.\)$/,
    );
  });

  it('reports a verdict that flips between repetitions as no stable answer, with the win counts and no winner', () => {
    const folded = foldRepetitions([
      verdict('webhook x3', { 'webhook x3': 400, 'webhook x5': 300 }),
      verdict('webhook x5', { 'webhook x3': 300, 'webhook x5': 400 }),
      verdict('webhook x3', { 'webhook x3': 450, 'webhook x5': 350 }),
    ]);
    expect(folded.status).toBe('no-stable-answer');
    expect(folded.winner).toBeNull();
    expect(folded.answer).toBe('No stable answer: the repetitions disagree (wins: webhook x3 2, webhook x5 1).');
    expect(folded.repetitions.winners).toEqual(['webhook x3', 'webhook x5', 'webhook x3']);
    expect(folded.changesIf).toMatch(
      /^More repetitions, .* would be needed for an answer\. In repetition [13], the typical one: never$/,
    );
  });

  it('separates labels that hold commas of their own with semicolons, so the tally reads', () => {
    const labels = ['slot table, webhook x3', 'slot table', 'COUNT then write, webhook x3'];
    const folded = foldRepetitions(
      labels.map((label) => verdict(label, { [labels[0]!]: 1, [labels[1]!]: 2, [labels[2]!]: 3 })),
    );
    expect(folded.answer).toBe(
      'No stable answer: the repetitions disagree (wins: slot table, webhook x3 1; slot table 1; COUNT then write, webhook x3 1).',
    );
    expect(repetitionsText(folded)).toContain(
      'winners in order: slot table, webhook x3; slot table; COUNT then write, webhook x3.',
    );
  });

  it('leads with the direction every repetition gave when only the winner flips', () => {
    const spread = (winner: string, evidence: string, key = 'spread'): MatrixVerdict => ({
      ...verdict(winner, { a: 1, b: 2 }),
      direction: { key, claim: 'Spread the burst', evidence },
    });
    const folded = foldRepetitions([spread('a', 'capped 22 s, none 51 s'), spread('b', 'capped 10 s, none 24 s')]);
    expect(folded.status).toBe('no-stable-answer');
    expect(folded.winner).toBeNull();
    expect(folded.answer).toBe(
      'Spread the burst. All 2 repetitions agree (repetition 1: capped 22 s, none 51 s; repetition 2: capped 10 s, none 24 s). ' +
        'Which variant: no stable answer (wins: a 1, b 1).',
    );
    expect(folded.recommendation).toBe(
      'Spread the burst (all 2 repetitions agree). Which variant: no firm recommendation yet: a won 1 of 2 repetitions, b 1; run more repetitions before choosing.',
    );
    expect(folded.direction?.key).toBe('spread');
    // The rule's "would change if" was written for one repetition's pick: the fold says whose it is.
    expect(folded.changesIf).toBe(
      'More repetitions, or a larger gap between the variants, would be needed to pick a variant. In repetition 1, the typical one: never',
    );

    // Directions that differ are no part of the answer: plain "no stable answer".
    const split = foldRepetitions([spread('a', 'x'), spread('b', 'y', 'leave')]);
    expect(split.answer).toBe('No stable answer: the repetitions disagree (wins: a 1, b 1).');
    expect(split.direction).toBeUndefined();
  });

  it('answers in parts: a part that flips is no stable answer, a part that held keeps its pick', () => {
    // Breaker: one pick per failure condition; repetitions 2 and 3 pick another variant in the MCP outage only.
    const inParts = (mcpWinner: string): MatrixVerdict => ({
      ...verdict('per-upstream, storm', { 'per-upstream, storm': 0, 'none, outage': 0, 'per-upstream, outage': 0 }),
      parts: [
        {
          name: 'storm',
          winner: 'per-upstream, storm',
          answer: 'storm: per-upstream',
          recommendation: 'Use per-upstream',
        },
        { name: 'outage', winner: mcpWinner, answer: `outage: ${mcpWinner}`, recommendation: `Use ${mcpWinner}` },
      ],
    });
    const flipped = foldRepetitions([
      inParts('per-upstream, outage'),
      inParts('none, outage'),
      inParts('none, outage'),
    ]);
    expect(flipped.status).toBe('no-stable-answer');
    expect(flipped.answer).toBe(
      'storm: per-upstream (3 of 3 repetitions); outage: no stable answer (wins: none, outage 2; per-upstream, outage 1).',
    );
    expect(flipped.recommendation).toMatch(
      /^Use per-upstream; outage: no firm recommendation yet: none, outage won 2 of 3 repetitions; per-upstream, outage 1;/,
    );
    // Each variant counts the parts it won, so the table's "won" column is right for every part.
    expect(flipped.repetitions.wins).toEqual([
      { variant: 'per-upstream, storm', wins: 3 },
      { variant: 'none, outage', wins: 2 },
      { variant: 'per-upstream, outage', wins: 1 },
    ]);

    const held = foldRepetitions([inParts('none, outage'), inParts('none, outage')]);
    expect(held.status).toBe('answered');
    expect(held.answer).toContain('(2 of 2 repetitions, in each part, picked the same;');
  });

  it('keeps a variant that failed in some repetitions, saying how many', () => {
    const folded = foldRepetitions([verdict('a', { a: 10, b: null }), verdict('a', { a: 12, b: 5 })]);
    const b = folded.rows.find((r) => r.variant === 'b')!;
    expect(b.status).toBe('ok');
    expect(b.error).toBe('1 of 2 repetitions failed: run threw');
    expect(b.spreads.knee).toEqual({ median: 5, min: 5, max: 5, n: 1 });
  });

  it('passes a single repetition through unchanged but for the summary', () => {
    const one = verdict('a', { a: 1 });
    const folded = foldRepetitions([one]);
    expect(folded.answer).toBe(one.answer);
    expect(folded.repetitions.stable).toBe(true);
  });
});
