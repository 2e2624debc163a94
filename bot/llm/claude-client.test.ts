import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScaledClock } from '../../common/clock.ts';
import { type FakeClaude, startFakeClaude } from '../../fakes/claude/index.ts';
import { botConfigSchema } from '../config/schema.ts';
import { createAnthropic } from './claude-client.ts';

let fake: FakeClaude;
beforeAll(async () => {
  fake = await startFakeClaude({ latency: 'zero' });
});
afterAll(() => fake?.close());

describe('createAnthropic', () => {
  it('gives the SDK a whole number of milliseconds, even when a scaled clock makes the timeout fractional', async () => {
    // 20 simulated seconds at 30x are 666.7 real ms; the SDK refuses such a timeout ("timeout must be an integer").
    const clock = createScaledClock({ timeScale: 30 });
    const config = botConfigSchema.parse({ time: { timeScale: 30 }, claude: { baseUrl: fake.url } });
    const anthropic = createAnthropic(config, clock);
    const message = await anthropic.messages.create({
      model: config.claude.complexModel,
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(message.content.length).toBeGreaterThan(0);
  });
});
