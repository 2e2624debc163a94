import { describe, expect, it } from 'vitest';
import type { BotContext } from '../context.ts';
import { trackInFlight } from './in-flight.ts';

describe('in-flight handlers', () => {
  it('drain waits for a running handler and reports whether it finished in time', async () => {
    const inFlight = trackInFlight();
    let finish: () => void = () => undefined;
    const handler = inFlight.middleware({} as BotContext, () => new Promise<void>((resolve) => (finish = resolve)));
    expect(inFlight.count()).toBe(1);
    expect(await inFlight.drain(10)).toBe(false);
    const drained = inFlight.drain(5_000);
    finish();
    await handler;
    expect(await drained).toBe(true);
    expect(inFlight.count()).toBe(0);
  });
});
