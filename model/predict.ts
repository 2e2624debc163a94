import { createRng } from '../common/random.ts';
import { mergeHistograms } from '../contracts/histogram.ts';
import type { EncodedHistogram, PhaseLatency, RunResult } from '../contracts/run-result.ts';
import type { LatencyProfile } from '../fakes/claude/latency.ts';
import { createPopulation } from '../loadgen/population/population.ts';
import { type Scenario, scenarioSchema } from '../scenarios/schema.ts';
import { parseMinuteOfDay } from '../scenarios/units.ts';
import { type Configuration, configurationOfRun, type Host, hostOfRun, latencyOfRun } from './configuration.ts';
import type { ServiceDemands } from './demands.ts';
import { predictedRun } from './predicted-run.ts';
import { type SimulationOutput, simulate } from './simulate.ts';
import { digestJobs, normaliseMix, slotDigests, type Workload } from './workload.ts';

/** Topics x languages the reference bot's content cache keys digests by (bot/topics.ts: 6 topics; ru, en). */
export const DIGEST_CACHE_KEYS = 12;

/**
 * The workload a scenario plays: its load model, mix and think time, and the digests its population is owed
 * in its window (the same seeded population the generator builds), after the configuration's slotting.
 *
 * @example
 * scenarioWorkload(scenario, configuration, phases)
 */
export function scenarioWorkload(scenario: Scenario, config: Configuration, phases: Workload['phases']): Workload {
  const load = scenario.load;
  const mix = normaliseMix(scenario.behaviour.mix);
  const durationMs = 'stages' in load ? load.stages.reduce((s, x) => s + x.duration, 0) : load.duration;
  let workloadLoad: Workload['load'];
  if (load.executor === 'ramping-vus' || load.executor === 'constant-vus') {
    workloadLoad = {
      kind: 'closed',
      startVus: load.executor === 'ramping-vus' ? load.startVUs : load.vus,
      stages:
        load.executor === 'ramping-vus'
          ? load.stages.map((s) => ({ durationMs: s.duration, target: s.target }))
          : [{ durationMs: load.duration, target: load.vus }],
      thinkTime: scenario.behaviour.thinkTime,
    };
  } else if (load.executor === 'ramping-arrival-rate') {
    const perS = 1000 / load.timeUnit;
    const stages = load.stages;
    const rateAt = (tMs: number) => {
      let from = load.startRate;
      let start = 0;
      for (const s of stages) {
        if (tMs < start + s.duration) return (from + ((s.target - from) * (tMs - start)) / s.duration) * perS;
        from = s.target;
        start += s.duration;
      }
      return from * perS;
    };
    const max = Math.max(load.startRate, ...stages.map((s) => s.target)) * perS;
    workloadLoad = { kind: 'open', durationMs, ratePerSAt: rateAt, maxRatePerS: max };
  } else {
    const rate = (load.rate * 1000) / load.timeUnit;
    workloadLoad = { kind: 'open', durationMs, ratePerSAt: () => rate, maxRatePerS: rate };
  }
  const users = createPopulation(scenario.population, scenario.seed).users;
  const requested = new Array<number>(1440).fill(0);
  for (const user of users) if (!user.digestPaused) requested[user.digestMinute]!++;
  const slotted = slotDigests(requested, config.slotting);
  const startMinute = parseMinuteOfDay(scenario.start) ?? 0;
  return {
    load: workloadLoad,
    mix,
    digests: digestJobs(slotted, startMinute, durationMs, DIGEST_CACHE_KEYS, createRng(scenario.seed ^ 0x9e3779b9)),
    phases,
    durationMs,
  };
}

/** Options of {@link predictRun}; every field optional (default: the measured run's own). */
export interface PredictOptions {
  configuration?: Configuration;
  host?: Host;
  latency?: LatencyProfile;
  seed?: number;
  /**
   * Simulations with seeds seed, seed+1, ...: their replies are pooled into the latency figures (per phase and
   * for the run), so a percentile is the model's, not one simulated sample's. Counts, series and the output
   * are the first simulation's. Default 1.
   */
  replications?: number;
}

/** The first run with every latency histogram (the run's, each phase's and its halves', digest lateness) pooled over all. */
function pooledLatency(runs: readonly RunResult[]): RunResult {
  const [first] = runs;
  if (first === undefined) throw new RangeError('pooledLatency needs at least one run');
  const merge = (pick: (r: RunResult) => EncodedHistogram | undefined) =>
    mergeHistograms(runs.map(pick).filter((h) => h !== undefined));
  const pair = (pick: (r: RunResult) => PhaseLatency | undefined) => ({
    replyFinal: merge((r) => pick(r)?.replyFinal),
    replyFirst: merge((r) => pick(r)?.replyFirst),
  });
  return {
    ...first,
    phases: first.phases.map((phase, i) => {
      const at = (r: RunResult) => r.phases[i]?.latency;
      return {
        ...phase,
        latency: {
          ...pair(at),
          halves: [pair((r) => at(r)?.halves[0]), pair((r) => at(r)?.halves[1])],
        },
      };
    }),
    latency: { ...first.latency, ...pair((r) => r.latency) },
    correctness: {
      ...first.correctness,
      digests: { ...first.correctness.digests, lateness: merge((r) => r.correctness.digests.lateness) },
    },
  };
}

/**
 * Predicts a run the model was not fitted on: the same scenario, configuration and lab host as `measured`
 * (or the ones given), simulated with `demands`; returned as a RunResult so the same analyses read both.
 *
 * @example
 * const predicted = predictRun(demands, measuredWebhookX3);
 * findKneeInRamp(predicted).kneeLoad
 */
export function predictRun(
  demands: ServiceDemands,
  measured: RunResult,
  options: PredictOptions = {},
): { result: RunResult; output: SimulationOutput } {
  const scenario = scenarioSchema.parse(measured.scenario.resolved);
  const configuration = options.configuration ?? configurationOfRun(measured);
  const host = options.host ?? hostOfRun(measured);
  // The phases' schedule only: the measured replies in them are what the prediction is compared with.
  const phases = measured.phases.map(({ latency: _measured, ...phase }) => phase);
  const workload = scenarioWorkload(scenario, configuration, phases);
  const seed = options.seed ?? scenario.seed;
  const outputs = Array.from({ length: Math.max(1, options.replications ?? 1) }, (_, i) =>
    simulate({
      demands: demands.classes,
      configuration,
      host,
      latency: options.latency ?? latencyOfRun(measured),
      workload,
      replyDeadlineMs: scenario.replies.deadline,
      seed: seed + i,
    }),
  );
  const runs = outputs.map((output) => predictedRun(output, measured, scenario.replies.deadline));
  return { result: runs.length === 1 ? runs[0]! : pooledLatency(runs), output: outputs[0]! };
}
