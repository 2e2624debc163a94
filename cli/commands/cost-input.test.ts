import { afterEach, describe, expect, it } from 'vitest';
import { botcap } from '../testing/in-process.ts';

/** `botcap cost` input errors: one line each, before any work, never a stack trace. */

afterEach(() => {
  process.exitCode = undefined;
});

describe('botcap cost input', () => {
  it("a what-if switch is on or off: 'maybe' is an error, not on", async () => {
    const { exitCode, stderr, stdout } = await botcap('cost', '--routing', 'maybe');
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(/routing: expected on\/off \(true\/false, yes\/no, 1\/0\), got "maybe"/);
    expect(stdout).toBe('');
    expect((await botcap('cost', '--routing', 'OFF')).exitCode).toBe(0);
  });

  it('an unwritable --markdown path is refused before the estimate is printed', async () => {
    const { exitCode, stderr, stdout } = await botcap('cost', '--markdown', '/proc/botcap-nope/cost.md');
    expect(exitCode).toBe(1);
    expect(stderr).toBe(
      'botcap cost: --markdown /proc/botcap-nope/cost.md: its directory is not writable (ENOENT); choose another path\n',
    );
    expect(stdout).toBe('');
  });
});
