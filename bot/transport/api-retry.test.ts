import { once } from 'node:events';
import { createServer } from 'node:http';
import { Bot, GrammyError, HttpError } from 'grammy';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBotConfig } from '../config/index.ts';
import type { BotContext } from '../context.ts';
import { installApiRetries } from './api-retry.ts';

/** A Bot API root that answers every request with `status` (or drops the connection), counting requests. */
async function brokenApi(status: number | 'drop') {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    if (status === 'drop') {
      req.socket.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error_code: status, description: 'Bad Gateway' }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests: () => requests, close: () => server.close() };
}

let close: (() => void) | undefined;
afterEach(() => close?.());

function botAgainst(apiRoot: string, apiRetryAttempts: number, timeScale = 1): Bot<BotContext> {
  const config = loadBotConfig({ overrides: { telegram: { apiRoot, apiRetryAttempts }, time: { timeScale } } });
  const bot = new Bot<BotContext>('123:test', { client: { apiRoot } });
  installApiRetries(bot, config, pino({ level: 'silent' }));
  return bot;
}

describe('Bot API retries', () => {
  it('a 5xx is retried --telegram-api-retry-attempts times, then the call fails', async () => {
    const api = await brokenApi(502);
    close = api.close;
    const error = await botAgainst(api.url, 1)
      .api.sendMessage(1, 'hi')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(502);
    expect(api.requests()).toBe(2);
  });

  it('a network failure is retried as many times, not forever', async () => {
    const api = await brokenApi('drop');
    close = api.close;
    const error = await botAgainst(api.url, 2)
      .api.getMe()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(api.requests()).toBe(3);
  });

  it('in a run at 10x, a 429 asking for 2 simulated s is retried after 0.2 real s, not 2', async () => {
    const requestAtMs: number[] = [];
    const server = createServer((_req, res) => {
      requestAtMs.push(performance.now());
      const refused = requestAtMs.length === 1;
      res.writeHead(refused ? 429 : 200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          refused
            ? {
                ok: false,
                error_code: 429,
                description: 'Too Many Requests: retry after 2',
                parameters: { retry_after: 2 },
              }
            : { ok: true, result: { id: 1, is_bot: true, first_name: 'b', username: 'b' } },
        ),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    close = () => server.close();
    const { port } = server.address() as { port: number };
    await botAgainst(`http://127.0.0.1:${port}`, 1, 10).api.getMe();
    const waitedMs = requestAtMs[1]! - requestAtMs[0]!;
    // 2 s would be the wall-clock reading of Telegram's 2; 200 ms is 2 simulated s at 10x (wide band: timers).
    expect(waitedMs).toBeGreaterThanOrEqual(190);
    expect(waitedMs).toBeLessThan(1_500);
  });

  it('0 attempts: the first failure is final', async () => {
    const api = await brokenApi('drop');
    close = api.close;
    await expect(botAgainst(api.url, 0).api.getMe()).rejects.toBeInstanceOf(HttpError);
    expect(api.requests()).toBe(1);
  });
});
