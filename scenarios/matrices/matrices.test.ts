import { describe, expect, it } from 'vitest';
import { MATRIX_NAMES } from '../../contracts/matrices.ts';
import {
  estimateMatrixRealS,
  getMatrix,
  listMatrices,
  TOTAL_BUDGET_REAL_S,
  variantScenario,
  variantSlug,
  variantsFor,
} from './index.ts';

describe('the matrices', () => {
  it('are listed in the index order and found by name', () => {
    expect(listMatrices().map((m) => m.name)).toEqual([...MATRIX_NAMES]);
    expect(() => getMatrix('nope')).toThrow(/unknown matrix 'nope'; use one of transport, sessions, scheduler/);
  });

  it('build a valid scenario for every variant at both sizes, with unique folder names', () => {
    for (const matrix of listMatrices()) {
      const slugs = matrix.variants.map((v) => variantSlug(v.label));
      expect(new Set(slugs).size, matrix.name).toBe(slugs.length);
      for (const size of ['default', 'quick'] as const) {
        expect(variantsFor(matrix, size).length, `${matrix.name} ${size}`).toBeGreaterThan(0);
        for (const variant of variantsFor(matrix, size))
          expect(() => variantScenario(matrix, variant, size)).not.toThrow();
      }
    }
  });

  it('hold the variants of the issue table (at least)', () => {
    const labels = (name: string) => getMatrix(name).variants.map((v) => v.label);
    expect(labels('transport')).toEqual(
      expect.arrayContaining(['polling x1', 'webhook x1', 'webhook x3', 'webhook x5']),
    );
    expect(getMatrix('transport').variants.filter((v) => v.kill !== undefined)).toHaveLength(2);
    for (const s of ['none', 'advisory-lock', 'skip-locked', 'redis-lock', 'cron-http']) {
      expect(labels('scheduler')).toContain(`${s} x3`);
    }
    expect(labels('scheduler').filter((l) => l.includes('x5, one killed'))).toHaveLength(3);
    expect(labels('scheduler')).toContain('advisory-lock x3 via PgBouncer (transaction)');
    expect(labels('llm-cost')).toEqual(
      expect.arrayContaining([
        'baseline (one big model, no cache)',
        'digest cache',
        'prompt caching',
        'batch digests',
        'all combined',
      ]),
    );
    expect(labels('llm-cost').filter((l) => l.startsWith('routing, threshold'))).toHaveLength(3);
    expect(labels('breaker')).toHaveLength(6);
    expect(labels('pooling')).toEqual(expect.arrayContaining(['5 x 50 direct', '5 x 20 direct']));
    expect(labels('pooling').some((l) => l.startsWith('5 x 50 via PgBouncer'))).toBe(true);
    expect(labels('slotting')).toEqual([
      'none',
      '5-min slots, cap 50, auto',
      '15-min slots, cap 150, auto',
      '5-min slots, cap 50, offer',
      '15-min slots, cap 150, offer',
    ]);
    expect(labels('slot-cap')).toEqual(expect.arrayContaining(['COUNT then write', 'slot table']));
    expect(labels('sessions')).toEqual(
      expect.arrayContaining([
        'memory, round-robin',
        'postgres, round-robin',
        'redis, round-robin',
        'memory, chat affinity',
      ]),
    );
    expect(labels('signals')).toHaveLength(1);
  });

  it('apply the variant knobs the verdicts read back', () => {
    const pooling = getMatrix('pooling');
    const direct = variantScenario(pooling, pooling.variants[0]!, 'default');
    expect(direct.environment.maxConnections).toBe(100);
    expect(direct.bot.instances).toBe(5);
    // The production plan's job queue holds a connection per digest in flight: what fills max_connections.
    expect(direct.bot.config).toMatchObject({
      database: { poolMax: 50 },
      scheduler: { strategy: 'skip-locked', claimMode: 'transaction' },
    });
    const bounced = variantScenario(pooling, pooling.variants[2]!, 'default');
    expect(bounced.environment.pgbouncer).toEqual({ poolSize: 20 });
    const breaker = getMatrix('breaker');
    const storm = variantScenario(breaker, breaker.variants[0]!, 'quick');
    expect(storm.fakes.claude.faults).toEqual([{ from: 30_000, to: 60_000, rate: 1, kind: '529' }]);
    expect(storm.fakes.mcp.faults).toEqual([]);
    // The MCP outage variants run without a Claude storm, and their outage ends mid-run, so recovery shows.
    const outage = variantScenario(breaker, breaker.variants[3]!, 'default');
    expect(outage.fakes.claude.faults).toEqual([]);
    expect(outage.fakes.mcp.faults).toEqual([{ from: 60_000, to: 120_000, rate: 1, kind: 'http-503' }]);
    expect(outage.bot.config).toMatchObject({ mcp: { timeoutMs: 3_000 }, resilience: { breakerScope: 'none' } });
  });

  it('fit their stated wall-time budgets, which add up to at most 25 min (default) and 4 min (quick)', () => {
    for (const size of ['default', 'quick'] as const) {
      let total = 0;
      for (const matrix of listMatrices()) {
        expect(estimateMatrixRealS(matrix, size), `${matrix.name} ${size}`).toBeLessThanOrEqual(
          matrix.budgetRealS[size],
        );
        total += matrix.budgetRealS[size];
      }
      expect(total, size).toBeLessThanOrEqual(TOTAL_BUDGET_REAL_S[size]);
    }
  });

  it('slug variant labels into folder names', () => {
    expect(variantSlug('5 x 50 via PgBouncer (transaction), skip-locked')).toBe(
      '5-x-50-via-pgbouncer-transaction-skip-locked',
    );
    expect(variantSlug('!!!')).toBe('variant');
  });
});
