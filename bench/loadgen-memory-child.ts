/**
 * The child of bench/loadgen.ts's memory measurement: the in-process fake Telegram, the echo bot and a LoadRunner
 * holding `vus` users, sampling its own RSS, reporting over IPC. bench/loadgen.ts runs it from a bundle
 * (bin/prebuilt.js), as bin/botcap.js runs `botcap run`, so its RSS is the one users get: no tsx loader thread.
 *
 * Run by bench/loadgen.ts only: `node <bundle> --child=vus 10000`.
 */
import { createScaledClock } from '../common/clock.ts';
import { startFakeTelegram } from '../fakes/telegram/index.ts';
import { LoadRunner } from '../loadgen/runner.ts';
import { parseScenario } from '../scenarios/validate.ts';
import { type EchoBot, startEchoBot } from './echo-bot.ts';
import { megabytes } from './proc.ts';

export const TOKEN = '700003:BENCH-loadgen-echo-bot-token-0000000';
export const WEBHOOK_SECRET = 'botcap-bench-webhook-secret';

export interface VuMemoryFigures {
  vus: number;
  peakActiveVus: number;
  /** Generator process after the fake and the echo bot are up, before the runner and its population exist. */
  baselineRssMb: number;
  peakRssMb: number;
  peakHeapUsedMb: number;
  /** (peak - baseline) / vus, KB. */
  perVuKb: number;
  updatesInjected: number;
  lostUpdates: number;
  durationRealS: number;
}

export type VuChildMessage = { memory: VuMemoryFigures } | { error: string };

/** Child side of the memory measurement: fake + echo bot + a runner holding `vus` users, sampling its own RSS. */
async function vuMemoryChild(vus: number): Promise<void> {
  const fake = await startFakeTelegram({ tokens: [TOKEN], floodControl: false });
  let echo: EchoBot | undefined;
  try {
    echo = await startEchoBot({ token: TOKEN, telegramApiRoot: fake.url, webhookSecret: WEBHOOK_SECRET });
    globalThis.gc?.();
    const baselineRss = process.memoryUsage().rss;
    let peakRss = baselineRss;
    let peakHeap = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      peakRss = Math.max(peakRss, usage.rss);
      peakHeap = Math.max(peakHeap, usage.heapUsed);
    }, 250);
    // Ramp to `vus` over 30 s and hold 15 s: every user starts a conversation as it arrives, then thinks for
    // about a minute between actions (~170 updates/s at 10,000), so the bot keeps up and the generator holds
    // all of them at once.
    const scenario = parseScenario({
      name: 'bench-10k-vus',
      seed: 1,
      timeScale: 1,
      load: {
        executor: 'ramping-vus',
        startVUs: 0,
        stages: [
          { duration: '30s', target: vus },
          { duration: '15s', target: vus },
        ],
        gracefulRampDown: '0s',
      },
      population: { size: vus, onboarded: true },
      behaviour: {
        mix: { navigation: 0.55, question: 0.35, settings: 0.1, start: 0 },
        thinkTime: { distribution: 'lognormal', median: '60s', p95: '180s' },
      },
      replies: { deadline: '30s' },
      bot: { transport: 'webhook', instances: 1 },
    });
    const clock = createScaledClock({ timeScale: 1, startAtMs: Date.parse(`${scenario.date}T${scenario.start}:00Z`) });
    const runner = new LoadRunner({ scenario, clock, fake, token: TOKEN, expectDigests: false, waitForStart: false });
    const measured = await runner.run();
    clearInterval(sampler);
    const memory: VuMemoryFigures = {
      vus,
      peakActiveVus: measured.load.maxVus,
      baselineRssMb: megabytes(baselineRss),
      peakRssMb: megabytes(peakRss),
      peakHeapUsedMb: megabytes(peakHeap),
      perVuKb: Math.round(((peakRss - baselineRss) / vus / 1024) * 10) / 10,
      updatesInjected: measured.load.updatesInjected,
      lostUpdates: measured.correctness.lostUpdates,
      durationRealS: Math.round(measured.durationRealS * 10) / 10,
    };
    process.send?.({ memory } satisfies VuChildMessage);
  } catch (error) {
    process.send?.({ error: error instanceof Error ? error.message : String(error) } satisfies VuChildMessage);
  } finally {
    await echo?.process.stop();
    await fake.close();
  }
}

const childArg = process.argv.indexOf('--child=vus');
if (childArg > 0) await vuMemoryChild(Number(process.argv[childArg + 1]));
