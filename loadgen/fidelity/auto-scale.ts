/**
 * `--time-scale auto`: the largest time scale whose predicted lab distortion stays within the bound, from a
 * short calibration at a low scale.
 *
 * Why a model and not a search: each try at a scale costs a fresh environment (the bots' clocks are fixed at
 * start), so the calibration measures what does not depend on the scale - real CPU per work item in each
 * process and the lag an idle-ish lab adds anyway - and predicts the rest. At scale S the lab does S times the
 * work per real second: a process with CPU c per item at a peak of lambda items per simulated second is busy
 * rho = S x lambda x c of each real second. Each busy single-threaded process (a Node event loop) is treated
 * as an M/M/1 server, whose queueing delay is c x rho / (1 - rho) (Lazowska et al. 1984, ch. 6), and the
 * machine's cores as a shared pool whose utilization rho_m = S x lambda x sum(c) / cores adds the same kind of
 * wait for a core. The predicted real delay per item is
 *
 *   d(S) = base lag + sum over processes (c + c x rho_eff / (1 - rho_eff)),  rho_eff = max(rho_process, rho_m)
 *
 * split as estimate.ts splits it: the generator's terms (it hosts the fakes) and its share of the base lag
 * are the lab's, d_lab; the system's processes are d_sys, except the extra wait for a core the generator's CPU
 * causes them (their wait with it in rho_m, less their wait without it), which is the lab's too. The
 * predicted distortion is S x d_lab + (S - 1) x d_sys (see estimate.ts). The pick keeps it within `headroom` of the
 * bound and the machine below `maxMachineUtilization`, so the run's own measured verdict - the check of this
 * prediction - lands inside the bound.
 */
export const AUTO_SCALE_DEFAULTS = {
  /**
   * The scale the calibration runs at, between these: high enough that work items outnumber the lab's
   * background (the sampler, timers) - which would otherwise be charged to a handful of items - and low
   * enough that the calibration itself is not saturated.
   */
  calibrationScale: { min: 2, max: 10 },
  /** The calibration aims for this many work items per real second. */
  calibrationItemsPerRealS: 25,
  /** Real seconds of the scenario's own load the calibration plays. */
  calibrationRealS: 8,
  /**
   * Aim for this share of the bound: the run's verdict reads the loops' p99 lag per hop, while the model
   * predicts means. At 0.5, smoke picked 4x (predicted 70 ms) and the run measured 194 ms against its 150 ms
   * bound (bench/fidelity.ts, 2026-12-03, a quiet 2-core machine). With the calibration at the users' steady
   * rate (orchestration/time-scale.ts), 500-concurrent's mix at 2x was predicted 34 ms for 500 users and 47 ms
   * for 1,000, and 2-minute runs measured 70.6 and 141.2 ms of the 150 ms bound (2026-12-05): 2-3x the
   * prediction, so 0.35 (53 ms) left 1,000 users at the edge; 0.3 (45 ms) plays them at 1.5x.
   */
  headroom: 0.3,
  /** Never plan the machine's cores busier than this on average. */
  maxMachineUtilization: 0.7,
  /** Scales the pick chooses among: round numbers that read well in reports. */
  candidateScales: [1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100] as readonly number[],
} as const;

/** What the calibration measured for one process. */
export interface CalibratedProcess {
  name: string;
  /** The lab's own process (the generator with the fakes), whose delay production would not have. */
  lab?: boolean;
  /** Real CPU ms per work item. */
  cpuMsPerItem: number;
  /** One event loop (Node: generator, each bot) or several workers (PostgreSQL's backends). */
  singleThreaded: boolean;
  /** How many instances share the items (bots: N, each sees 1/N); default 1. */
  instances?: number;
}

export interface AutoScaleInput {
  /** The calibration's per-process costs. */
  processes: readonly CalibratedProcess[];
  /**
   * Real ms per item added at the calibration's low load that does not scale (injection, idle lag): the lab's
   * (injection, the generator's loop) and the system's (the bots' loops).
   */
  baseDelayMs: { labMs: number; systemMs: number };
  /** The scenario's peak work items (updates + digests) per *simulated* second. */
  peakItemsPerSimulatedS: number;
  /** Cores of the machine. */
  cores: number;
  /** The fidelity bound, simulated ms. */
  boundMs: number;
  /**
   * The users' cycle, when the calibration measured the generator's lag in taking replies: a scale whose
   * S x lag passes headroom x boundShare of the mean think time would stretch the load's shape
   * (estimate.ts, cycleStretch). The lag is taken as it was at the calibration: it is mostly the feed's poll.
   */
  cycle?: { replyLagRealMs: number; cycleMs: number; boundShare: number };
  headroom?: number;
  maxMachineUtilization?: number;
  candidateScales?: readonly number[];
}

/** A scale's prediction. */
export interface ScalePrediction {
  timeScale: number;
  distortionMs: number;
  machineUtilization: number;
  /** The process with the largest predicted delay. */
  limitingProcess: string;
}

/** The chosen scale and, when there was a faster candidate, the prediction that ruled it out and why. */
export interface AutoScaleChoice extends ScalePrediction {
  /**
   * The next scale up, refused: its distortion went over headroom x bound, the machine over the cap, or the
   * users' cycle stretched past headroom x its share.
   */
  refused?: ScalePrediction & { cause: 'distortion' | 'machine' | 'cycle' };
  /** headroom x bound, simulated ms: what the choice aimed to stay under. */
  targetMs: number;
  maxMachineUtilization: number;
}

/**
 * Predicted real delay per item at scale `s`, the lab's and the system's, and the machine's utilization;
 * Infinity when something saturates.
 */
export function predictAt(
  input: AutoScaleInput,
  s: number,
): { labDelayMs: number; systemDelayMs: number; machineUtilization: number; limitingProcess: string } {
  const itemsPerRealMs = (s * input.peakItemsPerSimulatedS) / 1000;
  const utilization = (processes: readonly CalibratedProcess[]) =>
    (itemsPerRealMs * processes.reduce((sum, p) => sum + p.cpuMsPerItem, 0)) / input.cores;
  const machineUtilization = utilization(input.processes);
  const withoutLab = utilization(input.processes.filter((p) => p.lab !== true));
  let labDelayMs = input.baseDelayMs.labMs;
  let systemDelayMs = input.baseDelayMs.systemMs;
  let limitingProcess = 'loadgen';
  let worst = -1;
  for (const p of input.processes) {
    const own = p.singleThreaded ? (itemsPerRealMs * p.cpuMsPerItem) / (p.instances ?? 1) : 0;
    const withWait = (machine: number) => {
      const rho = Math.max(own, machine);
      return rho >= 1 ? Number.POSITIVE_INFINITY : p.cpuMsPerItem + (p.cpuMsPerItem * rho) / (1 - rho);
    };
    const ms = withWait(machineUtilization);
    if (p.lab === true) labDelayMs += ms;
    else {
      const alone = withWait(withoutLab);
      systemDelayMs += alone;
      // Saturated alone too: the system's own (Infinity - Infinity is not the lab's share).
      if (Number.isFinite(alone)) labDelayMs += ms - alone;
    }
    if (ms > worst) {
      worst = ms;
      limitingProcess = p.name;
    }
  }
  return { labDelayMs, systemDelayMs, machineUtilization, limitingProcess };
}

/**
 * The largest candidate scale whose predicted distortion stays within headroom x bound and whose machine
 * utilization stays below the cap; 1 when even the lowest fails (a lab that cannot keep up at real time),
 * with the refused prediction that says why.
 *
 * @example
 * chooseTimeScale({ processes: [{ name: 'bot-1', cpuMsPerItem: 1, singleThreaded: true }],
 *   baseDelayMs: { labMs: 0.5, systemMs: 0 }, peakItemsPerSimulatedS: 10, cores: 2, boundMs: 150, headroom: 0.5 })
 *   .timeScale // 30: 30 x 0.5 ms + (30 - 1) x 1.43 ms = 56 ms <= 75 ms
 */
export function chooseTimeScale(input: AutoScaleInput): AutoScaleChoice {
  const headroom = input.headroom ?? AUTO_SCALE_DEFAULTS.headroom;
  const maxMachineUtilization = input.maxMachineUtilization ?? AUTO_SCALE_DEFAULTS.maxMachineUtilization;
  const targetMs = headroom * input.boundMs;
  const scales = [...(input.candidateScales ?? AUTO_SCALE_DEFAULTS.candidateScales)].sort((a, b) => a - b);
  const prediction = (timeScale: number): ScalePrediction => {
    const p = predictAt(input, timeScale);
    return {
      timeScale,
      // At 1x the system's own delay is the answer, not distortion, even when it saturates (0 x Infinity).
      distortionMs: timeScale * p.labDelayMs + (timeScale > 1 ? (timeScale - 1) * p.systemDelayMs : 0),
      machineUtilization: p.machineUtilization,
      limitingProcess: p.limitingProcess,
    };
  };
  let chosen: ScalePrediction | undefined;
  let refused: AutoScaleChoice['refused'];
  for (const timeScale of scales) {
    const p = prediction(timeScale);
    if (p.machineUtilization > maxMachineUtilization) refused = { ...p, cause: 'machine' };
    else if (p.distortionMs > targetMs) refused = { ...p, cause: 'distortion' };
    else if (stretchesCycle(input, timeScale, headroom)) refused = { ...p, cause: 'cycle' };
    if (refused !== undefined) break;
    chosen = p;
  }
  return {
    ...(chosen ?? prediction(1)),
    ...(refused === undefined ? {} : { refused }),
    targetMs,
    maxMachineUtilization,
  };
}

/** Whether `timeScale` would stretch the users' cycle past headroom x its share (AutoScaleInput.cycle). */
function stretchesCycle(input: AutoScaleInput, timeScale: number, headroom: number): boolean {
  const cycle = input.cycle;
  if (cycle === undefined) return false;
  return timeScale * cycle.replyLagRealMs > headroom * cycle.boundShare * cycle.cycleMs;
}
