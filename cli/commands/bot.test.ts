import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_KNOBS } from '../../bot/config/index.ts';
import type { BotReadyLine } from '../../bot/launch.ts';
import { type Backends, startBackends } from '../../testing/bot-harness.ts';
import { botEnv, startBotProcess } from '../../testing/bot-process.ts';
import { waitFor } from '../../testing/wait.ts';
import { createProgram } from '../program.ts';

const BIN = fileURLToPath(new URL('../../bin/botcap.js', import.meta.url));

function helpText(): string {
  // The subcommand's own help, as `botcap bot --help` prints it.
  const bot = createProgram().commands.find((command) => command.name() === 'bot')!;
  return bot.helpInformation();
}

describe('botcap bot --help', () => {
  it('lists every knob as a flag with its default, but never a secret default', async () => {
    const help = helpText();
    for (const knob of BOT_KNOBS) expect(help, knob.flag).toContain(knob.flag);
    expect(help).toContain('default: 10');
    expect(help).toContain('BOTCAP_DATABASE_POOL_MAX');
    expect(help).not.toContain('TEST-TOKEN-botcap');
    expect(help).not.toContain('sk-ant-botcap-fake-key');
    expect(help).not.toContain('botcap-webhook-secret');
  });
});

describe('botcap bot as a process', () => {
  let backends: Backends;
  beforeAll(async () => {
    backends = await startBackends();
  });
  afterAll(() => backends?.stop());

  it('prints one ready line on stdout, serves /healthz, and exits cleanly on SIGTERM', async () => {
    const databaseUrl = await backends.postgres.createDatabase();
    const child = spawn(process.execPath, [BIN, 'bot', '--telegram-transport', 'webhook', '--instance-id', 'bot-7'], {
      env: {
        ...process.env,
        BOT_TOKEN: backends.telegram.tokens[0],
        TELEGRAM_API_ROOT: backends.telegram.url,
        DATABASE_URL: databaseUrl,
        ANTHROPIC_BASE_URL: backends.claude.url,
        ANTHROPIC_API_KEY: 'sk-ant-process-test',
        PORT: '0',
        BOTCAP_SCHEDULER_ENABLED: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const lines = createInterface({ input: child.stdout });
    const [first] = (await Promise.race([
      once(lines, 'line'),
      once(child, 'exit').then(() => {
        throw new Error(`botcap bot exited before it was ready:\n${stderr}`);
      }),
    ])) as [string];
    const ready = JSON.parse(first) as BotReadyLine;
    expect(ready).toMatchObject({ instance: 'bot-7', transport: 'webhook' });
    expect(ready.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.webhook).toBe(`${ready.http}/telegram`);
    expect((await fetch(`${ready.http}/healthz`)).status).toBe(200);

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(stderr).not.toContain(backends.telegram.tokens[0]!);
  });

  it('--scheduler-role worker: the queue-worker scheduler, with no Telegram intake, plans on its ticks', async () => {
    const databaseUrl = await backends.postgres.createDatabase();
    const callsBefore = backends.telegram.calls().length;
    const worker = await startBotProcess(
      ['--scheduler-strategy', 'queue-worker', '--scheduler-role', 'worker', '--instance-id', 'planner'],
      botEnv(backends, databaseUrl, { BOTCAP_SCHEDULER_ENABLED: 'true', BOTCAP_SCHEDULER_TICK_MS: '100' }),
    );
    const ready = worker.ready!;
    expect(ready).toMatchObject({ instance: 'planner', role: 'scheduler-worker' });
    expect(ready.webhook).toBeUndefined();
    expect((await fetch(`${ready.http}/healthz`)).status).toBe(200);
    await waitFor('a planner tick', async () =>
      (await (await fetch(`${ready.http}/metrics`)).text()).includes('role="planner"'),
    );
    // No getMe, no webhook, no polling: the fake Telegram never heard from it.
    expect(backends.telegram.calls()).toHaveLength(callsBefore);
    expect(await worker.stop()).toBe(0);
  });
});
