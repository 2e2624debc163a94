import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultError } from '../common/errors.ts';
import { fixturePath, loadFixture } from './fixtures/index.ts';
import { readRunResult } from './read.ts';

const dir = mkdtempSync(join(tmpdir(), 'botcap-read-'));
function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('readRunResult', () => {
  it('reads a valid RunResult', () => {
    expect(readRunResult(fixturePath('smoke')).scenario.name).toBe('smoke');
  });

  it('names the file when it is missing', () => {
    expect(() => readRunResult(join(dir, 'nope.json'))).toThrow(ResultError);
    expect(() => readRunResult(join(dir, 'nope.json'))).toThrow(
      /nope\.json: cannot read the RunResult \(no such file\)/,
    );
  });

  it('says when the JSON is cut off', () => {
    expect(() => readRunResult(write('cut.json', '{"schemaVersion": 1,'))).toThrow(
      /cut\.json: not valid JSON .* re-run it/,
    );
  });

  it('accepts only known schema versions', () => {
    const newer = write('newer.json', JSON.stringify({ ...loadFixture('smoke'), schemaVersion: 99 }));
    expect(() => readRunResult(newer)).toThrow(/schemaVersion 99 is not supported .* upgrade botcap/);
    expect(() => readRunResult(write('none.json', '{"hello": 1}'))).toThrow(/schemaVersion: missing/);
  });

  it('names the field, the value and the fix for a schema mismatch', () => {
    const smoke = loadFixture('smoke');
    const bad = write('bad.json', JSON.stringify({ ...smoke, correctness: { ...smoke.correctness, lostUpdates: -1 } }));
    expect(() => readRunResult(bad)).toThrow(
      /bad\.json: does not match the RunResult schema v1:\n {2}correctness\.lostUpdates: .*got -1/,
    );
    expect(() => readRunResult(bad)).toThrow(/Fix: regenerate it with `botcap run`/);
  });
});
