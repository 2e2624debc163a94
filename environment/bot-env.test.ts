import { describe, expect, it } from 'vitest';
import { BOT_CONTRACT_DEFAULTS, botEnvironment } from './bot-env.ts';

const base = {
  botToken: '123456:TEST-token',
  telegramApiRoot: 'http://127.0.0.1:1',
  anthropicBaseUrl: 'http://127.0.0.1:2',
  anthropicApiKey: 'sk-ant-test',
  databaseUrl: 'postgres://app:pw@127.0.0.1:5432/botcap',
};

describe('the bot contract environment', () => {
  it('gives a webhook bot its port, the URL to register, its path and the secret', () => {
    const env = botEnvironment({
      ...base,
      port: 8081,
      webhookSecret: 'hook-secret',
      webhookUrl: `http://127.0.0.1:4100${BOT_CONTRACT_DEFAULTS.webhookPath}`,
    });
    expect(env).toMatchObject({
      PORT: '8081',
      WEBHOOK_URL: 'http://127.0.0.1:4100/webhook',
      WEBHOOK_PATH: '/webhook',
      WEBHOOK_SECRET: 'hook-secret',
    });
  });

  it('gives a polling bot no webhook variables, so PORT unset means polling', () => {
    expect(Object.keys(botEnvironment(base)).filter((key) => /PORT|WEBHOOK/.test(key))).toEqual([]);
  });
});
