import { createRng } from '../../common/random.ts';
import type { RunResult, TimeSeries } from '../../contracts/run-result.ts';
import { tinyRunResult, tokens } from '../../reports/cost/testing/tiny-run.ts';
import { normal } from '../../reports/fixtures/synth.ts';
import { DEMAND_CLASSES, type DemandClass } from '../intervals.ts';

/** Known demands a synthetic run is generated from (units as ClassDemand's). */
export interface KnownDemands {
  botCpuS: Record<DemandClass, number>;
  dbHoldS: Record<DemandClass, number>;
  claudeSlotS: Record<DemandClass, number>;
  telegramCalls: Record<DemandClass, number>;
  /** Background CPU (cores) at zero load. */
  idleCores: number;
}

/** Options: every field optional. */
export interface SyntheticRunOptions {
  seconds?: number;
  timeScale?: number;
  /** Relative noise (standard deviation) on every reading. Default 0.05. */
  noise?: number;
  /** Whether each interval's mix varies (false: the same proportions throughout, only the level changes). */
  varyMix?: boolean;
  seed?: number;
}

/**
 * A RunResult whose per-second series were generated from known service demands by the utilization law
 * (U = U0 + sum X_c D_c, plus Gaussian noise), with each second's class rates drawn at random, so tests can
 * check that demand estimation recovers the demands it was made from.
 *
 * @example
 * const run = syntheticRun(known, { seconds: 300, noise: 0.05 });
 */
export function syntheticRun(known: KnownDemands, options: SyntheticRunOptions = {}): RunResult {
  const seconds = options.seconds ?? 300;
  const scale = options.timeScale ?? 5;
  const noise = options.noise ?? 0.05;
  const rng = createRng(options.seed ?? 7);
  const series = new Map<string, TimeSeries>();
  const push = (name: string, source: string, unit: string, t: number, v: number) => {
    const key = `${source}|${name}`;
    if (!series.has(key)) series.set(key, { name, source, unit, points: [] });
    series.get(key)!.points.push([t, v]);
  };
  const noisy = (v: number) => Math.max(0, v * (1 + noise * normal(rng)));
  const counts: Record<DemandClass, number> = { navigation: 0, question: 0, settings: 0, start: 0, digest: 0 };
  for (let s = 1; s <= seconds; s++) {
    const t = s * 1000 * scale;
    const level = 0.5 + rng() * 1.5;
    const rates: Record<DemandClass, number> = {
      navigation: level * (options.varyMix === false ? 2 : 0.5 + 3 * rng()),
      question: level * (options.varyMix === false ? 1.4 : 0.2 + 2 * rng()),
      settings: level * (options.varyMix === false ? 0.2 : 0.2 + 1.5 * rng()),
      start: level * (options.varyMix === false ? 0.4 : 0.2 + 1.5 * rng()),
      digest: s % 60 < 10 ? 2 * rng() : 0,
    };
    let cpu = known.idleCores;
    let db = 0;
    let claude = 0;
    let calls = 0;
    for (const c of DEMAND_CLASSES) {
      push(c === 'digest' ? 'digests_sent_per_s' : `updates_per_s{action="${c}"}`, 'loadgen', '1/s', t, rates[c]);
      counts[c] += rates[c] * scale;
      cpu += rates[c] * scale * known.botCpuS[c];
      db += rates[c] * scale * known.dbHoldS[c];
      claude += rates[c] * known.claudeSlotS[c];
      calls += rates[c] * known.telegramCalls[c];
    }
    push('cpu_percent', 'bot-1', '%', t, noisy(cpu) * 100);
    push('bot_db_pool_total_connections', 'bot-1', 'connections', t, 10);
    push('bot_db_pool_idle_connections', 'bot-1', 'connections', t, 10 - noisy(db));
    push('bot_db_pool_waiting_clients', 'bot-1', 'count', t, 0);
    push('bot_bulkhead_in_flight{upstream="claude"}', 'bot-1', 'count', t, noisy(claude));
    push('bot_bulkhead_queued{upstream="claude"}', 'bot-1', 'count', t, 0);
    push('telegram_calls_per_s', 'loadgen', '1/s', t, noisy(calls));
  }
  const base = tinyRunResult();
  const questions = Math.round(counts.question);
  const digests = Math.round(counts.digest);
  return tinyRunResult({
    timeScale: scale,
    durationSimulatedS: seconds * scale,
    durationRealS: seconds,
    environment: { ...base.environment, bot: { kind: 'reference', instances: 1, transport: 'webhook' } },
    load: {
      ...base.load,
      updatesInjected: Math.round(counts.navigation + counts.question + counts.settings + counts.start),
      updatesByAction: {
        navigation: Math.round(counts.navigation),
        question: questions,
        settings: Math.round(counts.settings),
        start: Math.round(counts.start),
      },
    },
    correctness: {
      ...base.correctness,
      digests: { ...base.correctness.digests, expected: digests, delivered: digests },
    },
    claude: {
      ...base.claude,
      total: tokens({ calls: questions + digests }),
      byModel: { 'claude-sonnet-5-5': tokens({ calls: questions + digests }) },
      byRoute: {
        question: tokens({ calls: questions, inputTokens: questions * 900, outputTokens: questions * 300 }),
        digest: tokens({ calls: digests, inputTokens: digests * 3000, outputTokens: digests * 700 }),
      },
    },
    timeSeries: [...series.values()],
  });
}
