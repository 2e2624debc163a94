import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import Anthropic from '@anthropic-ai/sdk';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { FAKE_TELEGRAM_DEFAULTS } from '../../fakes/telegram/index.ts';
import type { FakesReadyLine } from './fakes.ts';

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

    expect(Object.keys(ready).sort()).toEqual(['claude', 'mcp', 'telegram']);
    for (const url of Object.values(ready)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);

    const getMe = (await (await fetch(`${ready.telegram}/bot${FAKE_TELEGRAM_DEFAULTS.token}/getMe`)).json()) as {
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
