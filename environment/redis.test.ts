import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { probeRedis } from '../common/probes.ts';
import { pingRedis, startRedis } from './redis.ts';
import { canConnect } from './supervisor.ts';
import { isAlive } from './util.ts';

const binary = await probeRedis();
if (!binary.available) console.warn(`skipping redis-server spawn test: ${binary.detail} (${binary.howToGet})`);
const localAnswers = await canConnect(6379);
if (!localAnswers) console.warn('skipping --redis-url test: no Redis answers at redis://127.0.0.1:6379');

describe.skipIf(!binary.available)('redis-server spawned for the run', () => {
  it('answers PING on 127.0.0.1 without persistence, and is gone with its dir after stop', async () => {
    const redis = await startRedis({ runtime: 'binary' });
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(await pingRedis(redis.url)).toBe(true);
    const [pid] = redis.pids();
    const client = new Redis(redis.url);
    const config = async (key: string) => ((await client.config('GET', key)) as string[])[1];
    const [save, appendonly, bind, dir] = await Promise.all(['save', 'appendonly', 'bind', 'dir'].map(config));
    client.disconnect();
    expect({ save, appendonly, bind }).toEqual({ save: '', appendonly: 'no', bind: '127.0.0.1' });
    expect(existsSync(dir!)).toBe(true);
    await redis.stop();
    expect(isAlive(pid!)).toBe(false);
    expect(existsSync(dir!)).toBe(false);
  });
});

describe.skipIf(!localAnswers)('--redis-url', () => {
  it('attaches to an existing Redis and never stops it', async () => {
    const redis = await startRedis({ url: 'redis://127.0.0.1:6379' });
    expect(redis.pids()).toEqual([]);
    await redis.stop();
    expect(await pingRedis('redis://127.0.0.1:6379')).toBe(true);
  });
});
