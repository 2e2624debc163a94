import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../environment/index.ts';

/**
 * A bot that never takes an update - it serves another path than it registers, or refuses the secret -
 * ends `botcap run` early: one message saying what the fake Telegram saw, exit 1, no result written, and
 * nothing of the run (bot, PostgreSQL) left running.
 */

const BIN = fileURLToPath(new URL('../bin/botcap.js', import.meta.url));
const PYTHON_BOT = fileURLToPath(new URL('./testdata/stdlib_bot.py', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'botcap-unreachable-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Pids of processes whose command line mentions `text` (every process of a run started under `scratch`). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) return [];
    try {
      return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text) ? [Number(entry)] : [];
    } catch {
      return []; // exited while we read
    }
  });
}

describe('a bot no update gets through to', () => {
  it.each([
    {
      fault: 'serves another path than it registers',
      args: '--serve-path /elsewhere',
      status: '404 Not Found',
      hint: 'serve exactly the path the bot registers',
    },
    {
      fault: 'rejects the secret',
      args: '--expect-secret not-the-registered-one',
      status: '401 Unauthorized',
      hint: 'X-Telegram-Bot-Api-Secret-Token',
    },
  ])('that $fault ends the run early: one clear message, exit 1, nothing left running', async (row) => {
    const runDir = mkdtempSync(join(scratch, 'run-'));
    // PostgreSQL runs as the `postgres` user when we are root: it must reach its data dir under TMPDIR.
    chmodSync(scratch, 0o755);
    chmodSync(runDir, 0o755);
    const out = join(runDir, 'out');
    const botCommand = `exec python3 "${PYTHON_BOT}" ${row.args} --tag "${runDir}"`;
    // Ten simulated minutes: ~30 s of load at 20x, were the run not stopped.
    const child = spawn(
      process.execPath,
      [
        BIN,
        'run',
        'smoke',
        '--duration',
        '10m',
        '--time-scale',
        '20',
        '--transport',
        'webhook',
        '--bot-cmd',
        botCommand,
        '--out',
        out,
      ],
      { env: { ...process.env, TMPDIR: runDir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      await waitFor('the load to start', async () => /\nload: /.test(stderr) || child.exitCode !== null, {
        timeoutMs: 45_000,
      });
      // botcap itself (its flags name the run dir), the bot, and PostgreSQL (its data dir is under TMPDIR).
      expect(processesMentioning(runDir).length).toBeGreaterThanOrEqual(3);
      const [code] = await exited;
      expect(code).toBe(1);
      const messages = stderr.split('\n').filter((line) => line.startsWith('botcap: '));
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/^botcap: no update reached the bot: /);
      expect(messages[0]).toContain(`/py/hook (as registered): ${row.status} x`);
      expect(messages[0]).toContain(
        `getWebhookInfo: last_error_message "Wrong response from the webhook: ${row.status}"`,
      );
      expect(messages[0]).toContain(row.hint);
      // Stopped, not played out: nothing measured is written.
      expect(existsSync(join(out, 'result.json'))).toBe(false);
      await waitFor('every process of the run to exit', async () => processesMentioning(runDir).length === 0, {
        timeoutMs: 10_000,
      });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
