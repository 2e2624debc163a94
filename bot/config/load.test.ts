import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { BOT_DEFAULTS, BOT_KNOBS, loadBotConfig } from './index.ts';

describe('bot config', () => {
  it('has one flag and one env var per knob, each described, with the schema default', () => {
    const poolMax = BOT_KNOBS.find((k) => k.path === 'database.poolMax');
    expect(poolMax).toMatchObject({ flag: '--database-pool-max', env: 'BOTCAP_DATABASE_POOL_MAX', defaultValue: 10 });
    expect(BOT_DEFAULTS.database.poolMax).toBe(10);
    for (const knob of BOT_KNOBS) expect(knob.description, knob.path).not.toBe('');
    expect(new Set(BOT_KNOBS.map((k) => k.flag)).size).toBe(BOT_KNOBS.length);
  });

  it('reads the conventional env vars a bot in any language expects, flags winning over env', () => {
    const config = loadBotConfig({
      env: { DATABASE_URL: 'postgres://u:p@127.0.0.1:5555/db', BOT_TOKEN: '42:abc', BOTCAP_DATABASE_POOL_MAX: '7' },
      flags: { 'database.poolMax': '9', 'scheduler.strategy': 'none' },
    });
    expect(config.database.url).toBe('postgres://u:p@127.0.0.1:5555/db');
    expect(config.telegram.token).toBe('42:abc');
    expect(config.database.poolMax).toBe(9);
    expect(config.scheduler.strategy).toBe('none');
  });

  it('names the field, the value and the rule on bad input, and never prints a secret', () => {
    const attempt = () =>
      loadBotConfig({
        env: { BOT_TOKEN: 'not-a-token-supersecret' },
        flags: { 'database.poolMax': '0', 'scheduler.strategy': 'paxos' },
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('database.poolMax');
      expect(message).toContain('"0"');
      expect(message).toContain('scheduler.strategy');
      expect(message).toContain('advisory-lock');
      expect(message).toContain('telegram.token');
      expect(message).not.toContain('supersecret');
    }
  });
});
