import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import Anthropic from '@anthropic-ai/sdk';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { FAKE_TELEGRAM_DEFAULTS } from '../../fakes/telegram/index.ts';
import { type FakesReadyLine, startFakes } from './fakes.ts';

const BIN = new URL('../../bin/botcap.js', import.meta.url).pathname;

describe('botcap fakes', () => {
  it('prints exactly one JSON line with three working URLs on 127.0.0.1 and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'fakes', '--latency', 'zero', '--time-scale', '100'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = createInterface({ input: child.stdout });
    const stdoutLines: string[] = [];
    const firstLine = new Promise<string>((resolve) => lines.once('line', resolve));
    lines.on('line', (line) => stdoutLines.push(line));
    const ready = JSON.parse(await firstLine) as FakesReadyLine;

    expect(Object.keys(ready).sort()).toEqual(['claude', 'mcp', 'telegram', 'telegramTokens']);
    for (const url of [ready.telegram, ready.claude, ready.mcp]) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    // A bot started by hand takes its token from the line, without reading the help.
    expect(ready.telegramTokens).toEqual([FAKE_TELEGRAM_DEFAULTS.token]);

    const getMe = (await (await fetch(`${ready.telegram}/bot${ready.telegramTokens[0]}/getMe`)).json()) as {
      ok: boolean;
      result: { is_bot: boolean };
    };
    expect(getMe).toMatchObject({ ok: true, result: { is_bot: true } });

    const claude = new Anthropic({ apiKey: 'sk-ant-test', baseURL: ready.claude, maxRetries: 0 });
    const message = await claude.messages.create({
      model: 'claude-haiku-4-5-20251001',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Привет!' }],
    });
    expect(message.usage.output_tokens).toBeGreaterThan(0);

    const mcp = new Client({ name: 'fakes-test', version: '1.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(ready.mcp)));
    const tools = await mcp.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('search');
    await mcp.close();

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(stdoutLines).toHaveLength(1);
  });

  it('lists every --token it was given in the JSON line', async () => {
    const tokens = ['111:first-token', '222:second-token'];
    const { ready, stop } = await startFakes({
      host: '127.0.0.1',
      telegramPort: 0,
      claudePort: 0,
      mcpPort: 0,
      token: tokens,
      seed: 1,
      timeScale: 1,
      latency: 'zero',
      tier: 'unlimited',
      flood: false,
      floodPrivatePerS: 1,
      floodGlobalPerS: 30,
      floodGroupPerMin: 20,
    });
    await stop();
    expect(ready.telegramTokens).toEqual(tokens);
  });

  it('rejects a bad flag with the reason and a non-zero exit', async () => {
    const child = spawn(process.execPath, [BIN, 'fakes', '--telegram-port', '70000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).not.toBe(0);
    expect(stderr).toContain('--telegram-port');
    expect(stderr).toContain('65535');
  });
});
