import { describe, expect, it } from 'vitest';
import { MATRIX_NAMES } from '../../contracts/matrices.ts';
import type { RunResult } from '../../contracts/run-result.ts';
import { dayModelOfRun, meanThinkTimeS } from '../../reports/analysis/day-model.ts';
import { STEADY_DEFAULTS } from '../../reports/analysis/steady.ts';
import { getMatrix, listMatrices, variantScenario, variantSlug, variantsFor } from './index.ts';

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
      '5-min slots, cap 30, auto',
      '15-min slots, cap 30, auto',
      '5-min slots, cap 30, offer',
      '15-min slots, cap 30, offer',
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
    expect(outage.fakes.mcp.faults).toEqual([{ from: 45_000, to: 90_000, rate: 1, kind: 'http-503' }]);
    expect(outage.bot.config).toMatchObject({ mcp: { timeoutMs: 3_000 }, resilience: { breakerScope: 'none' } });
  });

  it('hold every level of a staircase for at least three user cycles (think time + reply), so it can be judged steady', () => {
    // A healthy level's median reply at the production mix is ~1-3 s; an overloaded one is not steady anyway.
    const replyAllowanceMs = 3_000;
    for (const matrix of listMatrices()) {
      for (const size of ['default', 'quick'] as const) {
        // A variant that kills an instance is judged on lost and duplicated updates, never on a knee.
        for (const variant of variantsFor(matrix, size).filter((v) => v.kill === undefined)) {
          const scenario = variantScenario(matrix, variant, size);
          if (!('stages' in scenario.load)) continue;
          const thinkMs =
            meanThinkTimeS(dayModelOfRun({ scenario: { resolved: scenario } } as unknown as RunResult)) * 1000;
          const neededMs = STEADY_DEFAULTS.minCycles * (thinkMs + replyAllowanceMs);
          // A hold is a stage at the same target as the one before it (a staircase step after its ramp); a
          // staircase has several, and its knee is judged level by level.
          const holds = scenario.load.stages.filter((stage, i, all) => i > 0 && stage.target === all[i - 1]!.target);
          if (holds.length < 2) continue;
          for (const hold of holds)
            expect(
              hold.duration,
              `${matrix.name} ${size} '${variant.label}' hold at ${hold.target}`,
            ).toBeGreaterThanOrEqual(neededMs);
        }
      }
    }
  });

  it('slug variant labels into folder names', () => {
    expect(variantSlug('5 x 50 via PgBouncer (transaction), skip-locked')).toBe(
      '5-x-50-via-pgbouncer-transaction-skip-locked',
    );
    expect(variantSlug('!!!')).toBe('variant');
  });
});
