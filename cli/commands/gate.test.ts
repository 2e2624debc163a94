import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fixturePath, loadFixture } from '../../reports/fixtures/index.ts';
import { createProgram } from '../program.ts';

async function gate(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await createProgram().parseAsync(['node', 'botcap', 'gate', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const exitCode = Number(process.exitCode ?? 0);
  return { exitCode, stdout, stderr };
}

describe('botcap gate', () => {
  beforeEach(() => {
    process.exitCode = undefined;
  });
  afterEach(() => {
    process.exitCode = undefined;
  });

  it("exits 0 when the scenario's own thresholds pass, printing each with its value", async () => {
    const { exitCode, stdout } = await gate([fixturePath('smoke')]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/thresholds from scenario smoke/);
    expect(stdout).toMatch(/ok {4}reply_latency +p\(95\)<3000 +\d+ ms/);
    expect(stdout).toMatch(/3 thresholds: 3 passed, 0 failed/);
  });

  it('exits 99 when a threshold fails', async () => {
    const { exitCode, stdout } = await gate([
      fixturePath('ramp'),
      '--threshold',
      'reply_latency:p(95)<3000',
      '-t',
      'lost_updates:count==0',
    ]);
    expect(exitCode).toBe(99);
    expect(stdout).toMatch(/FAIL +reply_latency +p\(95\)<3000/);
    expect(stdout).toMatch(/2 thresholds: 1 passed, 1 failed/);
  });

  describe('a run whose fidelity verdict is distorted', () => {
    const distorted = {
      timeScale: 60,
      timeScaleSource: 'scenario' as const,
      method: 'lab-delay-x-scale',
      estimatedDistortionMs: 590,
      boundMs: 150,
      status: 'distorted' as const,
      worstIntervals: [],
      limitingProcess: 'bot-1',
      maxFaithfulTimeScale: 16.2,
    };
    const write = (patch: object) => {
      const file = join(mkdtempSync(join(tmpdir(), 'botcap-gate-')), 'result.json');
      writeFileSync(file, JSON.stringify({ ...loadFixture('smoke'), ...patch }));
      return file;
    };

    it('is not judged: exit 3, naming the limiting process and the largest faithful scale', async () => {
      const { exitCode, stdout, stderr } = await gate([write({ fidelity: distorted })]);
      expect(exitCode).toBe(3);
      expect(stdout).toBe('');
      expect(stderr).toMatch(
        /not judged: the lab itself added ~590 ms \(bound 150 ms\) at 60x, mostly bot-1; at most 16.2x would have been faithful: rerun with --time-scale auto \(or 16\), or pass --allow-distorted/,
      );
    });

    it('is judged with --allow-distorted, and the output says it was overridden', async () => {
      const { exitCode, stdout, stderr } = await gate([write({ fidelity: distorted }), '--allow-distorted']);
      expect(exitCode).toBe(0);
      expect(stdout).toMatch(/3 thresholds: 3 passed, 0 failed/);
      expect(stderr).toMatch(/note: judged although DISTORTED: the lab added ~590 ms .*\(--allow-distorted\)/);
    });

    it('an ok verdict is judged as before', async () => {
      const { exitCode } = await gate([write({ fidelity: { ...distorted, status: 'ok', estimatedDistortionMs: 40 } })]);
      expect(exitCode).toBe(0);
    });
  });

  it('writes a Markdown table for $GITHUB_STEP_SUMMARY', async () => {
    const { exitCode, stdout } = await gate([fixturePath('scheduler-advisory-lock'), '--format', 'markdown']);
    expect(exitCode).toBe(99);
    expect(stdout).toMatch(/^### botcap gate: FAILED/);
    expect(stdout).toMatch(/\| ❌ fail \| `digests_duplicated` \| `count==0` \| \d+ digests \|/);
  });

  it('exits 1 with a clear message on an unknown metric', async () => {
    const { exitCode, stderr, stdout } = await gate([fixturePath('smoke'), '-t', 'reply_latncy:p(95)<3000']);
    expect(exitCode).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/botcap gate: unknown metric 'reply_latncy' \(did you mean 'reply_latency'\?\)/);
  });

  it('lists the metrics a threshold may name', async () => {
    const { exitCode, stdout } = await gate(['--list-metrics']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^reply_latency +trend +avg, min, max, med, p\(N\) +ms \{action\}:/m);
    expect(stdout).toMatch(/^lost_updates +counter +count, rate/m);
    const none = await gate([]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/missing the result file/);
  });

  it('exits 1 on bad syntax, a missing file, or nothing to check', async () => {
    const syntax = await gate([fixturePath('smoke'), '-t', 'reply_latency:p95<3000']);
    expect(syntax.exitCode).toBe(1);
    expect(syntax.stderr).toMatch(/like 'p\(95\)'/);
    const smoke = loadFixture('smoke');
    const bare = join(mkdtempSync(join(tmpdir(), 'botcap-gate-')), 'bare.json');
    writeFileSync(bare, JSON.stringify({ ...smoke, scenario: { name: 'bare', resolved: {} } }));
    const nothing = await gate([bare]);
    expect(nothing.exitCode).toBe(1);
    expect(nothing.stderr).toMatch(/no thresholds to check: scenario 'bare' defines none; pass one, e.g. --threshold/);
    const missing = await gate(['/nonexistent/result.json']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/result\.json: cannot read the RunResult \(no such file\)/);
    const json = await gate([fixturePath('smoke'), '--format', 'json', '-t', 'lost_updates:count==0']);
    expect(JSON.parse(json.stdout)).toMatchObject({ passed: true, outcomes: [{ metric: 'lost_updates', value: 0 }] });
  });
});
