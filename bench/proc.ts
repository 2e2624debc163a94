/**
 * What a benchmark reads about another process from /proc (Linux): resident memory and CPU time. Read from
 * outside, so the measured process runs unchanged and pays nothing for being measured. Also the method every
 * benchmark shares: pinning to cores, repeats summarised as median and range, instruction counts where perf
 * can count, and no verdict when the machine was busy before the run.
 *
 * @example
 * const before = await processCpuMs(pid);
 * // ... load ...
 * const cpuUsPerUpdate = (((await processCpuMs(pid)) ?? 0) - (before ?? 0)) * 1000 / updates;
 */
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import { procStatFields } from '../common/proc-stat-fields.ts';

/** Resident set size of a process in bytes (VmRSS), or undefined when it is gone or not on Linux. */
export { bundledEntry } from './bundled.ts';

export async function processRssBytes(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used, in ms; /proc counts 10 ms clock ticks. */
export async function processCpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const fields = procStatFields(pid);
  return fields && (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Samples a process's RSS every `intervalMs` until stopped; `stop()` returns the peak and the last sample.
 *
 * @example
 * const sampler = sampleRss(pid, 250);
 * await load();
 * const { peakBytes } = sampler.stop();
 */
export function sampleRss(
  pid: number | undefined,
  intervalMs: number,
): { stop(): { peakBytes: number; samples: number } } {
  let peakBytes = 0;
  let samples = 0;
  const timer = setInterval(() => {
    void processRssBytes(pid).then((bytes) => {
      if (bytes === undefined) return;
      samples++;
      peakBytes = Math.max(peakBytes, bytes);
    });
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { peakBytes, samples };
    },
  };
}

/** Bytes as MB (10^6), one decimal, the unit the targets use. */
export function megabytes(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}

/**
 * How every benchmark measures (issue 16): the process under test and its driver on separate cores, each
 * figure repeated and summarised by its median and range, and no verdict from a machine that was busy
 * before the run started.
 */
export const BENCH_METHOD_DEFAULTS = {
  /** Core of the process under test (a bot, a fake) and of the reference it is compared with. */
  underTestCpu: 0,
  /** Core of the benchmark process (driver, in-process fake) and of helpers such as Postgres. */
  driverCpu: 1,
  /** Measured repetitions per process; `--quick` uses `quickRepeats`. */
  repeats: 5,
  quickRepeats: 2,
  /**
   * 1-minute load average per core above which the machine counts as busy before a run and no verdict is
   * written: on 2 cores, 1.0 means another process kept about one core busy for the last minute.
   */
  busyLoadPerCore: 0.5,
} as const;

const execFileAsync = promisify(execFile);

/**
 * Restricts a process and all its threads to one core (`taskset -a -p -c`); threads and children it starts
 * later inherit the mask. Returns false where taskset is missing or the core does not exist, so a
 * benchmark says it ran unpinned instead of failing.
 *
 * @example
 * await pinToCpu(process.pid, BENCH_METHOD_DEFAULTS.driverCpu) // true
 */
export async function pinToCpu(pid: number | undefined, cpu: number | 'all'): Promise<boolean> {
  // The machine's cores, not availableParallelism(): that counts only the cores this process may use, one once pinned.
  const cores = cpus().length;
  if (pid === undefined || (cpu !== 'all' && (cpu >= cores || cores < 2))) return false;
  try {
    // 'all' undoes a pin (for work after the measurement, such as whole `botcap run`s).
    const list = cpu === 'all' ? `0-${cpus().length - 1}` : String(cpu);
    await execFileAsync('taskset', ['-a', '-p', '-c', list, String(pid)]);
    return true;
  } catch {
    return false;
  }
}

/** Median, range and count of repeated measurements of one figure. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/**
 * Median and range of repeated measurements (pure); the median is the robust figure verdicts use.
 *
 * @example
 * summarize([5, 1, 3]) // { median: 3, min: 1, max: 5, n: 3 }
 */
export function summarize(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('summarize: no measurements (repeats must be at least 1)');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length };
}

/**
 * Ratios of two servers measured in the same rounds, round by round (pure): `references[i] / subjects[i]`.
 * Their median drifts less than the ratio of two medians when the machine's speed wanders between rounds
 * (a neighbour on the host, frequency steps), because both sides of a pair ran within seconds of each other.
 *
 * @example
 * pairedRatios([20, 22, 30], [25, 27, 36]) // median 0.81 (of 0.80, 0.81, 0.83)
 */
export function pairedRatios(references: readonly number[], subjects: readonly number[]): Spread {
  if (references.length !== subjects.length) {
    throw new RangeError(`pairedRatios: ${references.length} references for ${subjects.length} subjects`);
  }
  return summarize(references.map((reference, i) => reference / Math.max(1e-9, subjects[i]!)));
}

/**
 * `median (min-max)` with `digits` decimals (pure), the way the tables print a repeated figure.
 *
 * @example
 * formatSpread({ median: 412.4, min: 398, max: 430.2, n: 5 }) // '412 (398-430)'
 */
export function formatSpread(spread: Spread, digits = 0): string {
  const number = (value: number) =>
    value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return spread.n === 1
    ? number(spread.median)
    : `${number(spread.median)} (${number(spread.min)}-${number(spread.max)})`;
}

/**
 * Where the rounds' own ratios fall against the target: a verdict is firm only when they all fall on one side
 * of it; when they straddle it, the machine's noise is as large as the distance to the target (pure).
 *
 * @example
 * roundsAgainst({ median: 0.51, min: 0.45, max: 0.74, n: 7 }, 0.8) // 'every round below it'
 */
export function roundsAgainst(rounds: Spread, target: number): string {
  if (rounds.min >= target) return `every round at or above it`;
  if (rounds.max < target) return `every round below it`;
  return `rounds on both sides of it: the machine's noise is as large as the distance, no firm verdict`;
}

/** Whether the machine was quiet enough before a run for its figures to be judged against targets. */
export interface MachineQuiet {
  judged: boolean;
  loadBefore1m: number;
  thresholdLoad1m: number;
}

/**
 * Judges the 1-minute load average before a run against `busyLoadPerCore` x cores (pure).
 *
 * @example
 * machineQuiet(2.6, 2) // { judged: false, loadBefore1m: 2.6, thresholdLoad1m: 1 }
 */
export function machineQuiet(
  loadBefore1m: number,
  cores: number,
  busyLoadPerCore: number = BENCH_METHOD_DEFAULTS.busyLoadPerCore,
): MachineQuiet {
  const thresholdLoad1m = busyLoadPerCore * cores;
  return { judged: loadBefore1m <= thresholdLoad1m, loadBefore1m, thresholdLoad1m };
}

/**
 * A target line's verdict, or why there is none (pure).
 *
 * @example
 * judge(true, machineQuiet(0.2, 2)) // '**met**'
 * judge(true, machineQuiet(3.1, 2)) // 'not judged: machine busy, load avg 3.10'
 */
export function judge(met: boolean, quiet: MachineQuiet): string {
  if (!quiet.judged) return `not judged: machine busy, load avg ${quiet.loadBefore1m.toFixed(2)}`;
  return met ? '**met**' : '**NOT met**';
}

/** Whether `perf stat` can count instructions here, and if not, why (virtual machines often hide the PMU). */
export interface InstructionCounting {
  available: boolean;
  /** One line for the report when unavailable. */
  reason: string;
}

let instructionCounting: Promise<InstructionCounting> | undefined;

/** Probes `perf stat -e instructions true` once per process. */
export function instructionCountingAvailable(): Promise<InstructionCounting> {
  instructionCounting ??= execFileAsync('perf', ['stat', '-x', ',', '-e', 'instructions', 'true'])
    .then(({ stderr }) => {
      const count = parsePerfInstructions(stderr);
      return count === undefined
        ? {
            available: false,
            reason: 'instruction counts: `perf stat -e instructions` is not supported on this machine',
          }
        : { available: true, reason: '' };
    })
    .catch((error: NodeJS.ErrnoException) => ({
      available: false,
      reason:
        error.code === 'ENOENT'
          ? 'instruction counts: `perf` is not installed'
          : `instruction counts: \`perf stat\` is not permitted here (${String(error.message).split('\n')[0]})`,
    }));
  return instructionCounting;
}

/** The instruction count from `perf stat -x ,` output (pure); undefined when not counted or not supported. */
export function parsePerfInstructions(stderr: string): number | undefined {
  for (const line of stderr.split('\n')) {
    const [value, , event] = line.split(',');
    if (event?.startsWith('instructions') !== true) continue;
    const count = Number(value);
    return Number.isFinite(count) && value !== '' ? count : undefined;
  }
  return undefined;
}

/**
 * Counts the instructions a running process executes until `stop()` (`perf stat -p`), or does nothing when
 * perf cannot count here (`stop()` then resolves undefined).
 *
 * @example
 * const counter = await countInstructions(pid);
 * await load();
 * const instructions = await counter.stop(); // e.g. 1.2e9, or undefined
 */
export async function countInstructions(pid: number | undefined): Promise<{ stop(): Promise<number | undefined> }> {
  if (pid === undefined || !(await instructionCountingAvailable()).available) {
    return { stop: async () => undefined };
  }
  const child = spawn('perf', ['stat', '-x', ',', '-e', 'instructions', '-p', String(pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    async stop() {
      child.kill('SIGINT');
      await exited;
      return parsePerfInstructions(stderr);
    },
  };
}

/** The method as one Markdown line (pure): pinning, repeats, instruction counting. */
export function formatMethod(method: { pinned: boolean; repeats: number; instructions: InstructionCounting }): string {
  const pinning = method.pinned
    ? `process under test pinned to cpu ${BENCH_METHOD_DEFAULTS.underTestCpu}, benchmark process (driver) to cpu ${BENCH_METHOD_DEFAULTS.driverCpu} (taskset)`
    : 'NOT pinned (taskset unavailable or fewer than 2 cores)';
  const counting = method.instructions.available ? 'instruction counts from `perf stat`' : method.instructions.reason;
  return `- Method: ${pinning}; CPU per update or call from the process's own accounting (process.cpuUsage or /proc utime + stime); ${method.repeats} repeats, median (min-max); ${counting}.`;
}
