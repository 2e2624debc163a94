import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../contracts/run-result.ts';
import { loadFixture } from '../../reports/fixtures/index.ts';
import { botcap } from '../testing/in-process.ts';

/** `botcap gate` judges only whole runs: an aborted run or one whose bot crashed is refused with exit 1. */

const dir = mkdtempSync(join(tmpdir(), 'botcap-gate-refusals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function resultFile(name: string, change: Partial<RunResult>): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...loadFixture('smoke'), ...change }));
  return file;
}

describe('botcap gate refuses an incomplete run', () => {
  it('the same passing figures gate 0 when the run completed', async () => {
    expect((await botcap('gate', resultFile('completed', {}))).exitCode).toBe(0);
  });

  it('an aborted run: exit 1, saying it was aborted and to rerun it to the end', async () => {
    const file = resultFile('aborted', { status: 'aborted' });
    const { exitCode, stderr, stdout } = await botcap('gate', file);
    expect(exitCode).toBe(1);
    expect(stderr).toBe(
      `botcap gate: ${file}: the run was aborted before its load completed; a gate judges only a completed run: rerun it to the end\n`,
    );
    expect(stdout).toBe('');
  });

  it('a run whose bot exited on its own: exit 1, with the error', async () => {
    const error = 'bot-1 exited on its own at 12 s simulated (code 1, signal null)';
    const { exitCode, stderr } = await botcap('gate', resultFile('crashed', { error }));
    expect(exitCode).toBe(1);
    expect(stderr).toContain(`the run is incomplete: ${error}`);
  });
});
