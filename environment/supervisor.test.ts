import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../common/errors.ts';
import { botCommandSpec, botEnvironment } from './bot-env.ts';
import { httpOk, type ProcessSpec, Supervisor, startProcess } from './supervisor.ts';
import { freePort, isAlive, makeTempDir, removeDir, waitFor } from './util.ts';

const STAND_IN = fileURLToPath(new URL('./testdata/stand-in-bot.mjs', import.meta.url));
const TOKEN = '123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ';

let logDir: string;
beforeAll(async () => {
  logDir = await makeTempDir('supervisor-test');
});
afterAll(async () => {
  await removeDir(logDir);
});

async function standIn(name: string, args: string[] = [], extra: Partial<ProcessSpec> = {}) {
  const port = await freePort();
  const spec: ProcessSpec = {
    name,
    command: process.execPath,
    args: [STAND_IN, '--port', String(port), ...args],
    logDir,
    ready: { kind: 'http', url: `http://127.0.0.1:${port}/healthz` },
    ...extra,
  };
  return { port, proc: await startProcess(spec) };
}

describe('startProcess', () => {
  it('waits for /healthz, then kill (SIGKILL) and restart give a new ready instance', async () => {
    const { port, proc } = await standIn('bot-kill');
    const firstPid = proc.pid!;
    expect(await httpOk(`http://127.0.0.1:${port}/healthz`)).toBe(true);
    const exit = await proc.kill();
    expect(exit).toMatchObject({ signal: 'SIGKILL', expected: true });
    expect(proc.running).toBe(false);
    expect(isAlive(firstPid)).toBe(false);
    await proc.restart();
    expect(proc.pid).not.toBe(firstPid);
    expect(await httpOk(`http://127.0.0.1:${port}/healthz`)).toBe(true);
    await proc.stop();
    expect(proc.lastExit?.expected).toBe(true);
  });

  it('reports a crash as unexpected', async () => {
    const { proc } = await standIn('bot-crash');
    process.kill(proc.pid!, 'SIGKILL');
    expect(await proc.exited()).toMatchObject({ signal: 'SIGKILL', expected: false });
  });

  it('waits for a stdout line or a port', async () => {
    const line = await startProcess({
      name: 'by-line',
      command: process.execPath,
      args: [STAND_IN],
      ready: { kind: 'line', pattern: /^listening on \d+/ },
    });
    const port = Number(/listening on (\d+)/.exec(line.recentOutput().join('\n'))![1]);
    const byPort = await startProcess({
      name: 'by-port',
      command: process.execPath,
      args: [STAND_IN, '--port', String(await freePort())],
      ready: { kind: 'port', port },
    });
    await Promise.all([line.stop(), byPort.stop()]);
    expect(line.lastExit?.signal).toBe('SIGTERM');
  });

  it('fails with the last output when the process exits before it is ready', async () => {
    const error = await standIn('bot-early', ['--exit-early']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toMatch(/bot-early did not become ready: .*exited \(code 3/);
    expect((error as Error).message).toContain('cannot start: configuration missing');
  });

  it('fails at the deadline when the ready check never passes', async () => {
    const error = await startProcess({
      name: 'never-ready',
      command: process.execPath,
      args: [STAND_IN],
      ready: { kind: 'line', pattern: /will never be printed/ },
      readyTimeoutMs: 300,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/not ready within 300 ms/);
  });

  it('stops the whole process group, grandchildren included', async () => {
    const { proc } = await standIn('bot-tree', ['--grandchild']);
    const grandchild = await waitFor('grandchild pid', async () => {
      const match = /grandchild (\d+)/.exec(proc.recentOutput().join('\n'));
      return match ? Number(match[1]) : undefined;
    });
    expect(isAlive(grandchild)).toBe(true);
    // The grandchild ignores SIGTERM: stop escalates to SIGKILL for the group after the grace period.
    await proc.stop();
    expect(isAlive(grandchild)).toBe(false);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const { proc } = await standIn('bot-stubborn', ['--ignore-term'], { stopGraceMs: 200 });
    await proc.stop();
    expect(proc.lastExit?.signal).toBe('SIGKILL');
  });
});

describe('--bot-cmd and the bot env contract', () => {
  it('runs a shell command line with the contract env and redacts secrets in its log files', async () => {
    const port = await freePort();
    const bot = {
      botToken: TOKEN,
      telegramApiRoot: 'http://127.0.0.1:1',
      anthropicBaseUrl: 'http://127.0.0.1:2',
      anthropicApiKey: 'sk-ant-test-key',
      databaseUrl: 'postgres://app:db-pass-123@127.0.0.1:5432/botcap',
      port,
      webhookSecret: 'hook-secret-1',
    };
    expect(botEnvironment(bot)).toMatchObject({ PORT: String(port), WEBHOOK_SECRET: 'hook-secret-1' });
    const supervisor = new Supervisor();
    const proc = await supervisor.start({
      ...botCommandSpec({
        name: 'user-bot',
        commandLine: `cd / && exec "${process.execPath}" "${STAND_IN}" --print-env`,
        bot,
        ready: { kind: 'http', url: `http://127.0.0.1:${port}/healthz` },
      }),
      logDir,
    });
    expect(supervisor.pids()).toEqual([proc.pid]);
    await supervisor.stopAll();
    const out = await readFile(join(logDir, 'user-bot.out.log'), 'utf8');
    expect(out).toContain('token=***');
    expect(out).toContain('db=postgres://app:***@127.0.0.1:5432/botcap');
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain('db-pass-123');
  });

  it('refuses two processes with the same name', async () => {
    const supervisor = new Supervisor();
    const spec = { name: 'twin', command: process.execPath, args: ['-e', 'setTimeout(() => {}, 60000)'] };
    await supervisor.start(spec);
    await expect(supervisor.start(spec)).rejects.toThrow(/already exists/);
    await supervisor.stopAll();
    expect(supervisor.list()[0]!.running).toBe(false);
  });
});
