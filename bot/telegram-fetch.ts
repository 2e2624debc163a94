import type { Readable } from 'node:stream';
import { Agent, type Dispatcher, request } from 'undici';

/**
 * The `fetch` grammY calls the Bot API with: one undici `request` on a pooled keep-alive connection.
 *
 * Why not grammY's default: on Node it is node-fetch, whose Request, Response and Headers objects cost about
 * a quarter of the bot's CPU per update on the cheap path (profile in docs/BENCHMARKS.md), and the bot makes
 * one or two Bot API calls per update. grammY reads nothing of the answer but `res.json()`, whatever the
 * status (Telegram's errors are JSON too), so that is all this returns. Timeouts stay grammY's: it aborts
 * through `signal`, which undici honours.
 *
 * @example
 * new Bot(token, { client: { apiRoot, fetch: telegramFetch() } });
 */
export function telegramFetch(dispatcher: Dispatcher = new Agent()): typeof fetch {
  const send = async (url: string | URL, init: RequestInit = {}) => {
    const { body } = await request(url, {
      dispatcher,
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: init.headers as Record<string, string> | undefined,
      // A JSON string, or a multipart stream when the call uploads a file.
      body: init.body as string | Readable | null | undefined,
      signal: init.signal ?? undefined,
    });
    return { json: () => body.json() };
  };
  // grammY's option is typed as the global fetch, of which it uses only the part above.
  return send as unknown as typeof fetch;
}
