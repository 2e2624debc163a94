import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MATRIX_NAMES } from '../../contracts/matrices.ts';
import type { MatrixVerdict } from '../../reports/matrix/types.ts';

/**
 * The real `botcap matrix all --quick`, as CI runs it: every matrix's deciding variants against embedded
 * Postgres, the fakes and real bot processes (about 4.5 minutes on 2 cores). It runs after the rest of the
 * suite (vitest.e2e.config.ts), alone, because the time scale turns CPU taken by other tests into simulated
 * latency. Each test checks a prediction issue 6 makes about a verdict rule.
 */

const out = mkdtempSync(join(tmpdir(), 'botcap-matrix-e2e-'));
let run: { exitCode: number; stderr: string };

beforeAll(async () => {
  const started = performance.now();
  try {
    const { stderr } = await promisify(execFile)(
      process.execPath,
      ['bin/botcap.js', 'matrix', 'all', '--quick', '--out', out],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    run = { exitCode: 0, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    run = { exitCode: failed.code ?? -1, stderr: failed.stderr ?? String(error) };
  }
  // Wall time goes to the log (the budget is checked on estimates in scenarios/matrices), never asserted.
  console.log(`botcap matrix all --quick: ${Math.round((performance.now() - started) / 1000)} s`);
}, 600_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

function verdict(matrix: string): MatrixVerdict {
  return JSON.parse(readFileSync(join(out, matrix, 'verdict.json'), 'utf8')) as MatrixVerdict;
}

function row(v: MatrixVerdict, variant: string) {
  const found = v.rows.find((r) => r.variant === variant);
  if (found === undefined) throw new Error(`${v.matrix} has no variant '${variant}': ${v.rows.map((r) => r.variant)}`);
  return found;
}

describe('botcap matrix all --quick (real runs)', () => {
  it('answers every question, every variant ran, and the index links them', () => {
    expect(run.exitCode, run.stderr.slice(-2_000)).toBe(0);
    for (const name of MATRIX_NAMES) {
      const v = verdict(name);
      expect(v.status, `${name}: ${v.answer}`).toBe('answered');
      expect(
        v.rows.filter((r) => r.status !== 'ok').map((r) => `${r.variant}: ${r.error}`),
        name,
      ).toEqual([]);
    }
    const index = readFileSync(join(out, 'index.md'), 'utf8');
    expect(index.split('\n').filter((line) => line.startsWith('| ['))).toHaveLength(MATRIX_NAMES.length);
  });

  it('scheduler: none is reported as producing duplicates', () => {
    const v = verdict('scheduler');
    expect(row(v, 'none x3').values.duplicated).toBeGreaterThan(0);
    expect(v.sentences).toContainEqual(expect.stringMatching(/^none x3 fails: [\d,]+ duplicated/));
    expect(row(v, 'queue-worker x3').values.duplicated).toBe(0);
  });

  it('pooling: 5 x 50 direct hits connection errors (53300) at max_connections=100', () => {
    const v = verdict('pooling');
    expect(row(v, '5 x 50 direct').values.errors53300).toBeGreaterThan(0);
    expect(v.expectations.find((e) => e.variant === '5 x 50 direct')).toMatchObject({ met: true });
  });

  it('slotting: none is later at p95 than capped slots, with every digest accounted for', () => {
    const v = verdict('slotting');
    const none = row(v, 'none');
    const capped = v.rows.filter((r) => r.variant !== 'none');
    expect(capped.length).toBeGreaterThan(0);
    for (const r of [none, ...capped]) expect(r.values.missing, r.variant).toBe(0);
    for (const r of capped) expect(r.values.latenessP95Ms, r.variant).toBeLessThan(none.values.latenessP95Ms!);
  });

  it('slot-cap: the slot table puts nobody above the cap', () => {
    const v = verdict('slot-cap');
    expect(row(v, 'slot table').values.overCap).toBe(0);
    expect(row(v, 'COUNT then write').values.overCap).not.toBeNull();
  });

  it('sessions: Postgres sessions leave fewer onboardings unfinished than memory behind a round-robin balancer', () => {
    const v = verdict('sessions');
    // Not 0, nor a fixed few: --quick's fixed 30x is far past the faithful scale. `node bin/botcap.js matrix sessions
    // --quick` at 50fa59b (2-core Intel Xeon, nothing else running, 2026-12-08) read fidelity DISTORTED, the lab adding
    // ~2.1 s per update to postgres, round-robin, which left 1 of 60 onboardings unfinished (CI runs saw 1 and 2);
    // at the findings' faithful 1x none is (docs/findings/sessions). What --quick must still show is the contrast:
    // memory breaks most flows (47 there), Postgres a tenth as many at most.
    const postgres = row(v, 'postgres, round-robin').values.unfinished!;
    const memory = row(v, 'memory, round-robin').values.unfinished!;
    expect(postgres).toBeLessThanOrEqual(memory / 10);
    expect(memory).toBeGreaterThan(postgres);
  });

  it('monitoring: alerts per error lose messages to the group flood limit, summary alerts lose none', () => {
    const v = verdict('monitoring');
    expect(row(v, 'PostgreSQL log + alerts each, Claude 529 storm').values.alertsRefused).toBeGreaterThan(0);
    expect(row(v, 'summary alerts + metrics, Claude 529 storm').values.alertsRefused).toBe(0);
    expect(row(v, 'summary alerts + metrics, Claude 529 storm').values.summaryToldMs).not.toBeNull();
  });
});
