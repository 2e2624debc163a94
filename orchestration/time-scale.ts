import { availableParallelism } from 'node:os';
import type { BotConfig } from '../bot/config/index.ts';
import type { RunResult } from '../contracts/run-result.ts';
import {
  AUTO_SCALE_DEFAULTS,
  type AutoScaleChoice,
  type CalibratedProcess,
  chooseTimeScale,
} from '../loadgen/fidelity/auto-scale.ts';
import { fidelityBound } from '../loadgen/fidelity/bound.ts';
import { FIDELITY_DEFAULTS, intervalEstimate } from '../loadgen/fidelity/estimate.ts';
import { fidelityIntervals } from '../loadgen/fidelity/signals.ts';
import { createPopulation } from '../loadgen/population/population.ts';
import { digestDrainPerS, loadDurationMs, meanThinkMs, nominalPeakRate, peakLoad } from '../scenarios/peak-vus.ts';
import type { LoadModel, ResolvedScenario, Scenario } from '../scenarios/schema.ts';
import { minuteOfDay } from '../scenarios/units.ts';
import { resolveBotConfig } from './bot-config.ts';
import type { RunScenarioOptions } from './options.ts';

/** What `--time-scale auto` decided, for the console line and the result. */
export interface TimeScaleDecision {
  timeScale: number;
  source: NonNullable<RunScenarioOptions['timeScaleSource']>;
  /** With `auto`: the calibration's figures and the model's pick. */
  calibration?: {
    choice: AutoScaleChoice;
    boundMs: number;
    peakItemsPerSimulatedS: number;
    processes: readonly CalibratedProcess[];
    realS: number;
  };
}

/** Runs a scenario (runScenario; injected so tests can stand in for it). */
export type ScenarioRunner = (scenario: ResolvedScenario, options: RunScenarioOptions) => Promise<RunResult>;

/**
 * The scenario with a numeric time scale. A number is kept (its source: the scenario or `--time-scale`);
 * `'auto'` runs a short calibration - the scenario's own bot, fakes and database, at its peak load, at a low
 * scale - and lets the queueing model of loadgen/fidelity/auto-scale.ts pick the largest scale whose
 * predicted lab delay stays within the fidelity bound. The run's own fidelity verdict then checks the pick.
 *
 * @example
 * const { scenario: resolved, decision } = await resolveTimeScale(scenario, options, runScenario);
 * decision.timeScale // 8, chosen because 10x was predicted to add 93 ms against a 75 ms target
 */
export async function resolveTimeScale(
  scenario: Scenario,
  options: RunScenarioOptions,
  run: ScenarioRunner,
): Promise<{ scenario: ResolvedScenario; decision: TimeScaleDecision }> {
  if (scenario.timeScale !== 'auto') {
    const timeScale = scenario.timeScale;
    return {
      scenario: { ...scenario, timeScale },
      // 'auto' here is a scale an earlier calibration of the same variant chose (a matrix's repetitions).
      decision: { timeScale, source: options.timeScaleSource ?? 'scenario' },
    };
  }
  const started = performance.now();
  const calibration = calibrationScenario(scenario);
  options.onStage?.({
    type: 'calibrating',
    timeScale: calibration.timeScale,
    realS: AUTO_SCALE_DEFAULTS.calibrationRealS,
  });
  const measured = await run(calibration, calibrationOptions(options));
  const botConfig = resolveBotConfig({ ...scenario, timeScale: 1 });
  const decision = decideFromCalibration(scenario, botConfig, measured);
  decision.calibration!.realS = (performance.now() - started) / 1000;
  return { scenario: { ...scenario, timeScale: decision.timeScale }, decision };
}

/**
 * The calibration: the scenario's peak level held flat, at the calibration scale, without thresholds. A closed
 * model's peak plays as the arrival rate its users keep up when steady (nominalPeakRate, an open model of the
 * same actions): N users started at once send N updates in the first instant and most of the next ones a think
 * time later, so a few real seconds of them measure the start - the bot still working through that first burst,
 * its CPU charged to the few updates sent after it - and not the steady state the run is judged in. Calibrated
 * that way (docs/BENCHMARKS.md, Fidelity, at 5805d21), the bot's CPU per update grew with the users, 7.4 ms at
 * 100, 15.3 at 500 and 21.4 at 1,000, and the model predicted 65 and 153 ms of lab delay at 1x for 500 and
 * 1,000 users, where the runs measured 22 and 50.
 */
export function calibrationScenario(scenario: Scenario): ResolvedScenario {
  const { min, max } = AUTO_SCALE_DEFAULTS.calibrationScale;
  const wanted = AUTO_SCALE_DEFAULTS.calibrationItemsPerRealS / Math.max(1e-9, nominalPeakRate(scenario));
  const timeScale = Math.min(max, Math.max(min, Math.round(wanted)));
  const durationMs = timeScale * AUTO_SCALE_DEFAULTS.calibrationRealS * 1000;
  return { ...scenario, timeScale, load: steadyPeakLoad(scenario, durationMs), thresholds: {} };
}

/** The peak level as the calibration plays it: an open model's as it is, a closed model's as its steady rate. */
function steadyPeakLoad(scenario: Scenario, durationMs: number): LoadModel {
  const peak = peakLoad(scenario.load, durationMs);
  if (peak.executor !== 'constant-vus') return peak;
  return {
    executor: 'constant-arrival-rate',
    rate: nominalPeakRate(scenario),
    timeUnit: 1000,
    duration: durationMs,
    preAllocatedVUs: peak.vus,
    maxVUs: peak.vus,
  };
}

/** The caller's options the calibration keeps: where things run, never its outputs or hooks. */
const CALIBRATION_KEEPS = [
  'runtime',
  'databaseUrl',
  'pgbouncerUrl',
  'redisUrl',
  'botCommand',
  'referenceBotBin',
  'webhookUrl',
  'webhookSecret',
  'telegramPort',
  'claudePort',
  'signal',
  'handleSignals',
] as const satisfies ReadonlyArray<keyof RunScenarioOptions>;

/** Only what the calibration needs of the caller's options, labelled as the calibration. */
function calibrationOptions(options: RunScenarioOptions): RunScenarioOptions {
  const kept = CALIBRATION_KEEPS.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]);
  return { ...(Object.fromEntries(kept) as RunScenarioOptions), variant: 'time-scale calibration' };
}

/**
 * The model's inputs from a calibration result, and its pick. Per process: real CPU ms per work item over
 * the calibration (the utilization law: busy time / items). Base delay: the item-weighted mean of what the
 * lab added at the calibration's load besides CPU (injection lag, event-loop lag). Peak rate: the items per
 * simulated second the calibration measured at the peak level, plus the scheduler's busiest minute of
 * digests when the bot sends them (the calibration does not reach the burst: it is priced from the
 * population).
 */
export function decideFromCalibration(
  scenario: Scenario,
  botConfig: BotConfig,
  calibration: RunResult,
  cores = availableParallelism(),
): TimeScaleDecision {
  const scale = calibration.timeScale;
  const intervals = fidelityIntervals(calibration.timeSeries, { timeScale: scale, bucketMs: 1000 * scale });
  // The first real second holds the start (connections, JIT warm-up): not what a steady run costs.
  const steady = intervals.slice(1).filter((i) => i.items > 0);
  const items = steady.reduce((sum, i) => sum + i.items, 0);
  const cpuMs = new Map<string, number>();
  const lagMs = { labMs: 0, systemMs: 0 };
  for (const interval of steady) {
    const realMs = (interval.endMs - interval.startMs) / scale;
    for (const p of interval.processes)
      cpuMs.set(p.name, (cpuMs.get(p.name) ?? 0) + ((p.cpuPercent ?? 0) / 100) * realMs);
    const estimate = intervalEstimate({ ...interval, processes: interval.processes.map(withoutCpu) }, scale);
    lagMs.labMs += estimate.labDelayMs * interval.items;
    lagMs.systemMs += estimate.systemDelayMs * interval.items;
  }
  const processes: CalibratedProcess[] = [...cpuMs].map(([name, ms]) => ({
    name,
    cpuMsPerItem: items > 0 ? ms / items : 0,
    // PostgreSQL and PgBouncer's pool serve items on several backends; a Node process on one event loop.
    singleThreaded: name === 'loadgen' || /^bot-\d+$/.test(name),
    lab: name === 'loadgen',
  }));
  const simulatedS = steady.reduce((sum, i) => sum + (i.endMs - i.startMs), 0) / 1000;
  const peakItemsPerSimulatedS =
    (simulatedS > 0 ? items / simulatedS : 0) + digestBurstPerSimulatedS(scenario, botConfig);
  const bound = fidelityBound(scenario.thresholds, scenario.fidelity);
  const replyLags = steady.filter((i) => i.replyProcessingLagMs !== undefined);
  const replyItems = replyLags.reduce((sum, i) => sum + i.items, 0);
  const choice = chooseTimeScale({
    processes,
    baseDelayMs:
      items > 0 ? { labMs: lagMs.labMs / items, systemMs: lagMs.systemMs / items } : { labMs: 0, systemMs: 0 },
    peakItemsPerSimulatedS,
    cores,
    boundMs: bound.boundMs,
    ...(replyItems > 0
      ? {
          cycle: {
            replyLagRealMs: replyLags.reduce((sum, i) => sum + i.replyProcessingLagMs! * i.items, 0) / replyItems,
            cycleMs: meanThinkMs(scenario.behaviour.thinkTime),
            boundShare: FIDELITY_DEFAULTS.boundShare,
          },
        }
      : {}),
  });
  return {
    timeScale: choice.timeScale,
    source: 'auto',
    calibration: { choice, boundMs: bound.boundMs, peakItemsPerSimulatedS, processes, realS: 0 },
  };
}

function withoutCpu<T extends { cpuPercent?: number }>(process: T): Omit<T, 'cpuPercent'> {
  const { cpuPercent: _, ...rest } = process;
  return rest;
}

/**
 * The digests of the busiest minute inside the run's window, per simulated second, when the reference bot's
 * scheduler sends them: the 10:00 burst a calibration at the scenario's start does not reach. Users who
 * onboard during the run ask for the same times (the population draws them), so they count too; a user who
 * has not finished onboarding by then is counted anyway (the pick errs towards the slower scale). With the
 * fake's realistic latency the bots work through a burst at the rate their Claude slots drain it
 * (digestDrainPerS), not at the rate digests fall due.
 */
export function digestBurstPerSimulatedS(scenario: Scenario, botConfig: BotConfig): number {
  if (!botConfig.scheduler.enabled) return 0;
  const from = minuteOfDay(scenario.start);
  const to = from + Math.ceil(loadDurationMs(scenario.load) / 60_000);
  const perMinute = new Map<number, number>();
  for (const user of createPopulation(scenario.population, scenario.seed).users) {
    if (user.digestPaused || user.digestMinute < from || user.digestMinute > to) continue;
    perMinute.set(user.digestMinute, (perMinute.get(user.digestMinute) ?? 0) + 1);
  }
  const duePerS = Math.max(0, ...perMinute.values()) / 60;
  if (scenario.fakes.claude.latency !== 'realistic') return duePerS;
  const slots = Math.min(botConfig.scheduler.sendConcurrency, botConfig.resilience.bulkheadConcurrency);
  return Math.min(duePerS, digestDrainPerS(scenario.bot.instances, slots));
}

/**
 * The console's account of an auto pick: the scale, the calibration's figures and what ruled out the next.
 * When even the lowest scale was refused, 1x is a fallback, not a pick, and the run will most likely be
 * judged distorted: the account says so first, with what would help.
 *
 * @example
 * describeDecision(decision)
 * // 'time scale auto: 8x (predicted lab delay 61 ms, target 75 ms = half the 150 ms bound; 10x predicted 93 ms; limiting bot-1, 0.84 ms CPU per update; calibration 14 s)'
 */
export function describeDecision(decision: TimeScaleDecision): string {
  const c = decision.calibration;
  if (c === undefined) return `time scale ${decision.timeScale}x (${decision.source})`;
  const limiting = c.processes.find((p) => p.name === c.choice.limitingProcess);
  const cost = limiting === undefined ? '' : `, ${limiting.cpuMsPerItem.toFixed(2)} ms CPU per update`;
  const figures = `limiting ${c.choice.limitingProcess}${cost}; peak ${c.peakItemsPerSimulatedS.toFixed(1)} updates/s`;
  const refused = c.choice.refused;
  if (refused !== undefined && refused.timeScale <= decision.timeScale)
    return (
      `time scale auto: even ${refused.timeScale}x is predicted to be distorted on this machine ` +
      `(${refusalText(refused, c.choice.maxMachineUtilization)}; target ${Math.round(c.choice.targetMs)} ms of ` +
      `the ${c.boundMs} ms bound), so it runs at ${decision.timeScale}x anyway; ${figures}. Fewer users or ` +
      `instances, more cores or a larger fidelity bound would let it run faithfully (calibration ${Math.round(c.realS)} s)`
    );
  return (
    `time scale auto: ${decision.timeScale}x (predicted lab delay ${Math.round(c.choice.distortionMs)} ms, ` +
    `target ${Math.round(c.choice.targetMs)} ms of the ${c.boundMs} ms bound` +
    `${refused === undefined ? '' : `; ${refused.timeScale}x ${refusalText(refused, c.choice.maxMachineUtilization)}`}; ` +
    `${figures}; calibration ${Math.round(c.realS)} s)`
  );
}

type Refusal = NonNullable<NonNullable<TimeScaleDecision['calibration']>['choice']['refused']>;

/** What ruled a scale out, in words that follow "<scale>x". */
function refusalText(refused: Refusal, maxMachineUtilization: number): string {
  switch (refused.cause) {
    case 'machine':
      return `would keep the cores ${Math.round(refused.machineUtilization * 100)}% busy (cap ${Math.round(maxMachineUtilization * 100)}%)`;
    case 'cycle':
      return "would stretch the users' think times too far (the generator's lag in taking replies)";
    case 'distortion':
      return `predicted ${Math.round(refused.distortionMs)} ms`;
  }
}
