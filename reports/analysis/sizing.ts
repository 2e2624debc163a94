import { valueAt } from '../../common/path.ts';
import type { RunResult } from '../../contracts/run-result.ts';
import { seriesFor } from '../../contracts/series.ts';
import { erlangC, smallestServersFor } from './erlang.ts';
import { ANALYSIS_SCHEMA_VERSION, type SizingAdvice } from './types.ts';

export interface SizingInput {
  /** Claude calls per second (measured or projected). */
  arrivalRatePerS: number;
  /** Mean Claude call duration, seconds. */
  serviceTimeS: number;
  /** The current concurrency limit (bulkhead slots). */
  currentServers: number;
  /** Default 0.05: P(wait) below 5%. */
  targetWaitProbability?: number;
}

export const SIZING_DEFAULTS = { targetWaitProbability: 0.05 } as const;

function pct(p: number): string {
  return p < 0.1 ? `${(p * 100).toFixed(1)}%` : `${Math.round(p * 100)}%`;
}

/**
 * Erlang C advice for a concurrency limit in front of a slow upstream, with sentences citing the numbers.
 *
 * @example
 * adviseConcurrency({ arrivalRatePerS: 2, serviceTimeS: 8, currentServers: 10 }).sentences[0]
 * // "a Claude concurrency of 10 caps you at about 1.25 answers/s; ..."
 */
export function adviseConcurrency(input: SizingInput): SizingAdvice {
  const target = input.targetWaitProbability ?? SIZING_DEFAULTS.targetWaitProbability;
  const { arrivalRatePerS: rate, serviceTimeS: s, currentServers: c } = input;
  const current = erlangC(rate, s, c);
  const recommendedServers = smallestServersFor(rate, s, target);
  const recommended = recommendedServers === null ? null : erlangC(rate, s, recommendedServers);
  const capacityPerS = c / s;
  const sentences: string[] = [];
  const head = `a Claude concurrency of ${c} caps you at about ${capacityPerS.toFixed(2)} answers/s (${c} slots / ${s.toFixed(1)} s per call)`;
  const now = current.stable
    ? `at ${rate.toFixed(2)} calls/s it makes ${pct(current.waitProbability)} of calls wait, ${current.meanWaitS!.toFixed(2)} s on average`
    : `at ${rate.toFixed(2)} calls/s (offered load ${current.offeredLoad.toFixed(1)} > ${c}) the queue grows without bound`;
  sentences.push(`${head}; ${now}.`);
  if (recommended !== null && recommendedServers !== null) {
    sentences.push(
      `${recommendedServers} gives P(wait) < ${pct(target)} at your arrival rate (${pct(recommended.waitProbability)}, mean wait ${recommended.meanWaitS!.toFixed(2)} s).`,
    );
  }
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    arrivalRatePerS: rate,
    serviceTimeS: s,
    currentServers: c,
    capacityPerS,
    current,
    recommendedServers,
    recommended,
    targetWaitProbability: target,
    sentences,
  };
}

/**
 * Claude rates measured in a run: calls/s over the run, mean call duration by Little's law
 * (mean busy bulkhead slots / calls per second, from the bulkhead in-flight series), and the bulkhead size
 * from the reference bot's config. Null fields when the run does not carry what they need.
 *
 * @example
 * const m = measuredClaudeRates(result); // { callsPerS: 1.9, serviceTimeS: 7.6, concurrencyLimit: 10 }
 */
export function measuredClaudeRates(result: RunResult): {
  callsPerS: number;
  serviceTimeS: number | null;
  concurrencyLimit: number | null;
} {
  const durationS = result.durationSimulatedS;
  const callsPerS = durationS > 0 ? result.claude.total.calls / durationS : 0;
  const active = seriesFor(result, 'bulkheadActive');
  let busy = 0;
  for (const series of active) {
    if (series.points.length > 0) busy += series.points.reduce((sum, [, v]) => sum + v, 0) / series.points.length;
  }
  // Little's law needs a busy count the sampler actually saw: a run whose 1 s samples never caught a call in
  // flight has no service-time measurement, not a service time of zero (which would break Erlang C).
  const serviceTimeS = busy > 0 && callsPerS > 0 ? busy / callsPerS : null;
  // The reference bot's resolved config: resilience.bulkheadConcurrency (bot/config/schema.ts).
  const configured = valueAt(result.environment.bot.config, 'resilience.bulkheadConcurrency');
  const concurrencyLimit = typeof configured === 'number' ? configured : null;
  return { callsPerS, serviceTimeS, concurrencyLimit };
}
