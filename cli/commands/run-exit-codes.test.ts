import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runResultSchema } from '../../contracts/run-result.ts';
import { createProgram } from '../program.ts';
import { runProgram } from '../root.ts';
import { RUN_EXIT, runExitCode } from './run.ts';

/**
 * `botcap run`'s exit codes, as a CI job reads them: 0 pass, 99 a threshold failed, 1 any error (bad input, a
 * server that refuses, a bot that exits on its own), 130 only for an interrupt.
 */

const PYTHON_BOT = fileURLToPath(new URL('../../orchestration/testdata/stdlib_bot.py', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'botcap-exit-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

/** `botcap run <args>` in-process through the binary's own error handling (cli/root.ts). */
async function run(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  try {
    await runProgram(createProgram(), ['node', 'botcap', 'run', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return { exitCode: Number(process.exitCode ?? 0), stdout, stderr };
}

describe('botcap run exit codes', () => {
  it.each([
    ['--database-url', 'not-a-url', /--database-url is not a URL: 'not-a-url'/],
    ['--database-url', 'mysql://root@127.0.0.1/db', /--database-url must be a postgres:\/\/ or postgresql:\/\/ URL/],
    ['--pgbouncer-url', 'localhost:6432', /--pgbouncer-url must be a postgres/],
    ['--redis-url', 'http://127.0.0.1:6379', /--redis-url must be a redis:\/\/ or rediss:\/\/ URL, got 'http/],
  ])('%s %s: exit 1 with one line naming the flag, before anything starts', async (flag, value, message) => {
    const { exitCode, stderr } = await run(['smoke', flag, value, '--out', join(scratch, 'never')]);
    expect(exitCode).toBe(RUN_EXIT.error);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/starting postgres/);
  });

  it.each([
    [
      ['--telegram-port', '70000'],
      /--telegram-port <port>' argument '70000' is invalid\. at most 65,535 \(a TCP port\)/,
    ],
    [['--users', '1e12'], /--users <n>' argument '1e12' is invalid\. at most 1,000,000 users in one run/],
    [['--out', '/proc/botcap-nope'], /^botcap: --out \/proc\/botcap-nope is not a writable directory \(ENOENT\)/m],
    [['--out', '/etc/passwd/out'], /^botcap: --out \/etc\/passwd\/out is not a writable directory \(ENOTDIR\)/m],
  ])('%j: exit 1 with one line, before anything starts', async (flags, message) => {
    const { exitCode, stderr } = await run(['smoke', ...flags]);
    expect(exitCode).toBe(RUN_EXIT.error);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/starting postgres|\n\s+at /);
  });

  it('a .ts scenario with a syntax error says where', async () => {
    const file = join(scratch, 'broken.ts');
    writeFileSync(file, "export default {\n  name: 'broken',\n  load: {\n");
    const { exitCode, stderr } = await run([file]);
    expect(exitCode).toBe(RUN_EXIT.error);
    expect(stderr).toBe(
      `botcap: cannot read scenario file ${file}: syntax error at line 4, column 1: Expected identifier but found end of file\n`,
    );
  });

  it('a bad URL flag never repeats its password', async () => {
    const { stderr } = await run(['smoke', '--redis-url', 'http://user:hunter2secret@127.0.0.1:6379']);
    expect(stderr).toMatch(/--redis-url must be/);
    expect(stderr).not.toContain('hunter2secret');
  });

  it('a --database-url server that refuses connections is an error (1), not an interrupt (130)', async () => {
    const out = join(scratch, 'refused');
    const { exitCode, stderr } = await run([
      'smoke',
      '--database-url',
      'postgres://postgres@127.0.0.1:1/postgres',
      '--out',
      out,
    ]);
    expect(exitCode).toBe(RUN_EXIT.error);
    expect(stderr).toMatch(
      /^botcap: cannot connect to the --database-url server at postgres:\/\/postgres@127\.0\.0\.1:1/m,
    );
    expect(stderr).not.toMatch(/stopped while starting/);
    expect(existsSync(join(out, 'result.json'))).toBe(false);
  });

  it('a bot that exits on its own during the load fails the run: exit 1, the error in the summary and result', async () => {
    const runDir = mkdtempSync(join(scratch, 'crash-'));
    // PostgreSQL runs as the `postgres` user when we are root: it must reach its data dir under TMPDIR.
    chmodSync(scratch, 0o755);
    chmodSync(runDir, 0o755);
    const out = join(runDir, 'out');
    // A polling bot whose process (the shell, the one botcap supervises) exits with code 7 while the load runs.
    const botCommand = `python3 "${PYTHON_BOT}" & sleep 6; exit 7`;
    const { exitCode, stdout } = await run([
      'smoke',
      '--duration',
      '3m',
      '--time-scale',
      '20',
      '--bot-cmd',
      botCommand,
      '--out',
      out,
    ]);
    expect(exitCode).toBe(RUN_EXIT.error);
    expect(stdout).toMatch(/^error: bot-1 exited on its own at \d+ s simulated \(code 7, signal null\)/m);
    const result = runResultSchema.parse(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
    expect(result.error).toMatch(/bot-1 exited on its own .*code 7/);
  });

  it('orders the codes: interrupted, then an error of a part, then thresholds', () => {
    const passed = [{ metric: 'reply_latency', expression: 'p(95)<3000', value: 100, passed: true }];
    const failed = [{ ...passed[0]!, passed: false }];
    const completed = 'completed' as const;
    expect(runExitCode({ status: completed, thresholds: passed })).toBe(RUN_EXIT.ok);
    expect(runExitCode({ status: completed, thresholds: failed })).toBe(RUN_EXIT.thresholdFailed);
    expect(runExitCode({ status: completed, thresholds: failed, error: 'bot-1 exited on its own' })).toBe(
      RUN_EXIT.error,
    );
    expect(runExitCode({ status: 'failed', thresholds: passed })).toBe(RUN_EXIT.error);
    expect(runExitCode({ status: 'aborted', thresholds: passed, error: 'bot-1 exited on its own' })).toBe(
      RUN_EXIT.interrupted,
    );
  });
});
