import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DevStack, devExamples, startDevStack } from '../../cli/commands/dev.ts';
import { createDevChat, type DevChat } from '../../cli/commands/dev-chat.ts';
import { type PostgresHandle, startPostgres } from '../../environment/index.ts';
import { waitFor } from '../../testing/wait.ts';

/**
 * Each step of bot/examples runs as `botcap dev --example NN` runs it (its own process through tsx, the fakes,
 * a database of its own) and does what its header promises. One PostgreSQL server for the file; each example
 * gets a fresh database on it, as `botcap dev --database-url` does.
 */
let server: PostgresHandle;
let stack: DevStack | undefined;
beforeAll(async () => {
  server = await startPostgres();
});
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});
afterAll(() => server?.stop());

async function run(example: string): Promise<DevChat> {
  stack = await startDevStack({ example, latency: 'zero', databaseUrl: server.adminUrl, handleSignals: false });
  return createDevChat({ telegramUrl: stack.telegramUrl, replyTimeoutMs: 15_000 });
}

const texts = (messages: Array<{ text: string }>) => messages.map((message) => message.text);

describe('bot/examples', () => {
  it('are six numbered steps, each at most 150 lines', async () => {
    const { readFileSync } = await import('node:fs');
    const files = devExamples();
    expect(Object.keys(files).sort()).toEqual(['01', '02', '03', '04', '05', '06']);
    for (const file of Object.values(files))
      expect(readFileSync(file, 'utf8').split('\n').length, file).toBeLessThanOrEqual(150);
  });

  it('01 keeps count in a PostgreSQL session', async () => {
    const chat = await run('01');
    expect(texts(await chat.say('hello'))).toEqual(['Message number 1 from you. I keep count in PostgreSQL.']);
    expect(texts(await chat.say('again'))).toEqual(['Message number 2 from you. I keep count in PostgreSQL.']);
  });

  it('02 answers through Claude with the conversation so far', async () => {
    const chat = await run('02');
    const [first] = await chat.say('What happened in science this week?');
    expect(first?.text.length).toBeGreaterThan(0);
    await chat.say('And on the Moon?');
    const calls = (await (await fetch(`${stack!.claudeUrl}/control/calls?since=0`)).json()) as {
      calls: Array<{ usage?: { inputTokens: number } }>;
    };
    const input = calls.calls.map((call) => call.usage?.inputTokens ?? 0);
    expect(input).toHaveLength(2);
    expect(input[1]).toBeGreaterThan(input[0]!); // the second question carried the first turn
  });

  it('03 answers ⚠️ instead of going silent when Claude is down', async () => {
    const chat = await run('03');
    expect(texts(await chat.say('Are you there?'))[0]).not.toMatch(/^⚠️/);
    const storm = { windows: [{ fromMs: 0, toMs: 1e12, rate: 1, kind: '529' }] };
    await fetch(`${stack!.claudeUrl}/control/faults`, { method: 'PUT', body: JSON.stringify(storm) });
    expect(texts(await chat.say('And now?'))[0]).toMatch(/^⚠️/);
  });

  it('04 serves a webhook with a secret, handling each update once', async () => {
    const chat = await run('04');
    expect(texts(await chat.say('What is new?'))[0]?.length).toBeGreaterThan(0);
    const info = (await (await fetch(`${stack!.telegramUrl}/control/stats`)).json()) as {
      result: { bots: Array<{ webhook: { deliveries: number } | null }> };
    };
    expect(info.result.bots[0]?.webhook?.deliveries).toBeGreaterThanOrEqual(1);
  });

  it('05 sends the digest from a job queue once the user is due', async () => {
    const chat = await run('05');
    expect(texts(await chat.say('/start'))[0]).toMatch(/^Subscribed/);
    const [digest] = await waitFor(
      'the digest',
      async () => {
        const messages = await chat.unprompted();
        return messages.length > 0 && messages;
      },
      30_000,
    );
    expect(digest!.text).toMatch(/^📰/);
  });

  it('06 is the reference bot', async () => {
    const chat = await run('06');
    expect(texts(await chat.say('/start'))[0]).toContain('Shall I call you Dev?');
  });
});
