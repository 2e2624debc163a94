import type { RunResult } from '../../contracts/run-result.ts';
import { ComparisonError, DistortedComparisonError } from './errors.ts';
import type { RunSet } from './run-set.ts';

export interface ComparableOptions {
  /**
   * Compare runs whose fidelity verdict is `distorted` (the lab's own delay exceeded its bound), for people
   * who know what they are doing; the report then says so. Default false: a distorted run is refused.
   */
  allowDistorted?: boolean;
}

/**
 * Fields of the scenario as run that may differ between the sides: the seed (checked on its own), the
 * thresholds (budgets, not the workload), the time scale (fidelity judges whether it mattered), the
 * description, and the bot's settings, which are what a pull request changes (reported, not refused).
 */
const NOT_WORKLOAD = new Set(['seed', 'thresholds', 'timeScale', 'description', 'bot']);

/** At most this many differing fields are named in a refusal. */
const MAX_NAMED_DIFFERENCES = 5;

/**
 * Refuses a baseline and a candidate that would not answer "did this change make the bot worse": a run
 * that did not complete, different RunResult schema versions, different scenarios or workloads, seeds
 * the other side did not run, a distorted run (unless allowed). Returns notes for what is allowed but
 * worth saying (no fidelity verdict in older results, different time scales or bot settings).
 * Throws ComparisonError naming the files and the fix.
 *
 * @example
 * const notes = checkComparable(readRunSet('baseline', ['main/']), readRunSet('candidate', ['pr/']));
 */
export function checkComparable(baseline: RunSet, candidate: RunSet, options: ComparableOptions = {}): string[] {
  const runs = [...tagged(baseline), ...tagged(candidate)];
  const first = runs[0]!;

  for (const run of runs) {
    if (run.result.status !== 'completed') {
      throw new ComparisonError(
        `${run.name} did not complete (status ${run.result.status}${run.result.error ? `: ${run.result.error}` : ''}); ` +
          'a partial run cannot be compared: re-run it',
      );
    }
  }

  const versions = distinct(runs.map((r) => r.result.schemaVersion));
  if (versions.length > 1) {
    throw new ComparisonError(
      `the results have different RunResult schema versions (${describeBy(runs, (r) => `v${r.result.schemaVersion}`)}); ` +
        'figures may be defined differently across versions: re-run the baseline with this botcap',
    );
  }

  const scenarios = distinct(runs.map((r) => r.result.scenario.name));
  if (scenarios.length > 1) {
    throw new ComparisonError(
      `the results are of different scenarios (${describeBy(runs, (r) => r.result.scenario.name)}); ` +
        'compare a run with a baseline of the same scenario',
    );
  }
  for (const run of runs.slice(1)) {
    const differences = differingPaths(workload(first.result), workload(run.result));
    if (differences.length > 0) {
      throw new ComparisonError(
        `${run.name} ran scenario '${run.result.scenario.name}' with a different workload than ${first.name} ` +
          `(${differences.join(', ')}); run both sides with the same scenario and flags, or refresh the baseline`,
      );
    }
  }

  const baselineSeeds = new Set(baseline.results.map((r) => r.seed));
  const candidateSeeds = new Set(candidate.results.map((r) => r.seed));
  if (!isSubset(candidateSeeds, baselineSeeds) && !isSubset(baselineSeeds, candidateSeeds)) {
    throw new ComparisonError(
      `the sides ran different seeds (baseline ${list(baselineSeeds)}, candidate ${list(candidateSeeds)}), so they ` +
        'replayed different users and arrivals; run both with the same --seed (and --repeat), e.g. --seed 1 --repeat 3',
    );
  }

  const notes: string[] = [];
  const distorted = runs.filter((r) => r.result.fidelity?.status === 'distorted');
  if (distorted.length > 0 && !options.allowDistorted) {
    const worst = distorted[0]!.result.fidelity!;
    const faithful =
      worst.maxFaithfulTimeScale === undefined ? '' : `, faithful up to x${formatScale(worst.maxFaithfulTimeScale)}`;
    throw new DistortedComparisonError(
      `${distorted.map((r) => r.name).join(', ')} ${distorted.length === 1 ? 'is' : 'are'} distorted: the lab itself added ` +
        `~${Math.round(worst.estimatedDistortionMs)} ms per update (bound ${Math.round(worst.boundMs)} ms, limited by ` +
        `${worst.limitingProcess}${faithful}), so a difference could be the lab's, not the bot's; re-run at a lower ` +
        '--time-scale, or pass --allow-distorted to compare anyway',
    );
  }
  if (distorted.length > 0) {
    notes.push(
      `Compared although ${distorted.map((r) => r.name).join(', ')} ${distorted.length === 1 ? 'is' : 'are'} distorted (--allow-distorted): ` +
        'part of any difference may be the lab’s own delay.',
    );
  }
  for (const set of [baseline, candidate]) {
    const unknown = set.results.filter((r) => r.fidelity === undefined).length;
    if (unknown > 0) {
      notes.push(
        `${unknown} of ${set.results.length} ${set.label} result(s) carry no fidelity verdict (written before botcap ` +
          'measured it); compared as they are.',
      );
    }
  }
  const scales = distinct(runs.map((r) => r.result.timeScale));
  if (scales.length > 1) {
    notes.push(
      `The runs used different time scales (${describeBy(runs, (r) => `x${formatScale(r.result.timeScale)}`)}).`,
    );
  }
  const botChanges = differingPaths(botSettings(baseline.results[0]!), botSettings(candidate.results[0]!), 'bot');
  if (botChanges.length > 0) notes.push(`The scenario's bot settings differ: ${botChanges.join(', ')}.`);
  return notes;
}

interface TaggedRun {
  /** `baseline out/main/run-1/result.json`. */
  name: string;
  result: RunResult;
}

function tagged(set: RunSet): TaggedRun[] {
  return set.results.map((result, i) => ({ name: `${set.label} ${set.files[i] ?? `#${i + 1}`}`, result }));
}

function workload(result: RunResult): Record<string, unknown> {
  return Object.fromEntries(Object.entries(result.scenario.resolved).filter(([key]) => !NOT_WORKLOAD.has(key)));
}

function botSettings(result: RunResult): unknown {
  return result.scenario.resolved.bot;
}

/** Dotted paths at which two JSON values differ, at most MAX_NAMED_DIFFERENCES of them. */
export function differingPaths(a: unknown, b: unknown, path = ''): string[] {
  if (Object.is(a, b)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (!isObject(a) || !isObject(b) || Array.isArray(a) !== Array.isArray(b)) {
    return [`${path || '(root)'}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`];
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const found: string[] = [];
  for (const key of keys) {
    found.push(...differingPaths(a[key], b[key], path ? `${path}.${key}` : key));
    if (found.length >= MAX_NAMED_DIFFERENCES) return found.slice(0, MAX_NAMED_DIFFERENCES);
  }
  return found;
}

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function describeBy(runs: readonly TaggedRun[], key: (run: TaggedRun) => string): string {
  const groups = new Map<string, string[]>();
  for (const run of runs) groups.set(key(run), [...(groups.get(key(run)) ?? []), run.name]);
  return [...groups].map(([value, names]) => `${value}: ${names.join(', ')}`).join('; ');
}

function isSubset(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  return [...a].every((v) => b.has(v));
}

function list(seeds: ReadonlySet<number>): string {
  return [...seeds].sort((x, y) => x - y).join(', ');
}

function formatScale(scale: number): string {
  return Number(scale.toPrecision(3)).toString();
}
