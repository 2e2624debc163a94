import type { FaultEvent, Fidelity, RunResult, ThresholdOutcome, TimeSeries } from '../../contracts/run-result.ts';
import type { Comparison, KneeAnalysis, Projection, RunAnalysis, SizingAdvice, UslFit } from '../analysis/types.ts';
import type { CostReport } from '../cost/types.ts';
import { distortedMessage, fidelityLine, floodWaitNote, notJudged } from '../fidelity.ts';

/**
 * The one object every renderer reads: the analysis of one run (capacity report) or of several
 * (comparison), plus the few RunResult facts the analysis does not carry (environment, phases).
 * Plain JSON: the JSON report is this object, so its shape is versioned.
 */
export const REPORT_SCHEMA_VERSION = 1;

/** What the run was and where it ran, for the report's header and environment table. */
export interface RunFacts {
  botcapVersion: string;
  startedAt: string;
  seed: number;
  timeScale: number;
  /** The run's fidelity verdict (null for a result written before botcap measured it). */
  fidelity: Fidelity | null;
  durationRealS: number;
  error: string | null;
  gitCommit: string | null;
  machine: string;
  postgres: { runtime: string; version: string; maxConnections: number };
  pgbouncer: string | null;
  bot: { kind: string; instances: number; transport: string };
  /** Sends the fake Telegram refused with 429 (its flood control). */
  floodLimited429: number;
  phases: { name: string; startMs: number; endMs: number }[];
  /** Series the analysis does not summarise that a reader still wants charted (error and 429 rates). */
  extraSeries: TimeSeries[];
  /** The faults the run injected on purpose (a killed instance, a Claude error window, ...), in time order. */
  faults: FaultEvent[];
}

/** Everything one run contributes to a report. */
export interface RunReport {
  /** Variant label, else the scenario name: how tables and chart legends name this run. */
  label: string;
  facts: RunFacts;
  analysis: RunAnalysis;
  thresholds: ThresholdOutcome[];
  knee: KneeAnalysis | null;
  usl: UslFit | null;
  sizing: SizingAdvice | null;
  projection: Projection | null;
  cost: CostReport | null;
  /** Analyses the run could not support, and why (e.g. "USL fit: needs at least 6 load levels"). */
  notes: string[];
}

/** The line at the top of every format. */
export interface Verdict {
  status: 'pass' | 'fail' | 'info';
  headline: string;
  sentences: string[];
}

export interface ReportDocument {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  kind: 'capacity' | 'comparison';
  title: string;
  /** The botcap version that rendered it. */
  generatedBy: string;
  verdict: Verdict;
  runs: RunReport[];
  comparison: Comparison | null;
}

/** A series whose name says it counts errors, rejections or 429s. */
const ERROR_SERIES = /(error|errors|429|fail|reject|timeout|53300)/i;

/**
 * The facts a report needs from a RunResult besides its analysis. Error-rate series are passed through
 * (the analysis keeps counts, not their course over time).
 *
 * @example
 * runFacts(result).postgres.maxConnections // 100
 */
export function runFacts(result: RunResult): RunFacts {
  const env = result.environment;
  return {
    botcapVersion: result.botcapVersion,
    startedAt: result.startedAt,
    seed: result.seed,
    timeScale: result.timeScale,
    fidelity: result.fidelity ?? null,
    durationRealS: result.durationRealS,
    error: result.error ?? null,
    gitCommit: env.gitCommit ?? null,
    machine: `${env.machine.cpuModel} x${env.machine.cpuCount}, ${Math.round(env.machine.memoryBytes / 2 ** 30)} GiB, ${env.machine.os}, Node ${env.machine.node}`,
    postgres: { ...env.postgres },
    pgbouncer: env.pgbouncer
      ? `${env.pgbouncer.source}, ${env.pgbouncer.poolMode} mode, pool ${env.pgbouncer.defaultPoolSize}`
      : null,
    bot: { kind: env.bot.kind, instances: env.bot.instances, transport: env.bot.transport },
    floodLimited429: result.telegram.floodLimited429,
    phases: result.phases.map((p) => ({ name: p.name, startMs: p.startMs, endMs: p.endMs })),
    extraSeries: result.timeSeries.filter((s) => ERROR_SERIES.test(s.name)),
    faults: result.faults ?? [],
  };
}

/**
 * The verdict. A comparison leads with its winner (and lists every failure below it); a single run
 * leads with its failures (aborted, failed thresholds), else a pass; lost or duplicated work and the
 * knee follow as sentences.
 *
 * @example
 * decideVerdict(runs, null).headline // 'All 3 thresholds passed'
 */
export function decideVerdict(runs: readonly RunReport[], comparison: Comparison | null): Verdict {
  const sentences: string[] = [];
  const failures: string[] = [];
  for (const run of runs) {
    const prefix = runs.length > 1 ? `${run.label}: ` : '';
    if (run.analysis.status !== 'completed') {
      failures.push(`${prefix}the run ${run.analysis.status}${run.facts.error ? ` (${run.facts.error})` : ''}`);
    }
    if (notJudged(run.facts.fidelity ?? undefined)) {
      failures.push(`${prefix}${distortedMessage(run.facts.fidelity!)}`);
      continue;
    }
    const failed = run.thresholds.filter((t) => !t.passed);
    if (failed.length > 0) {
      failures.push(
        `${prefix}${failed.length} of ${run.thresholds.length} thresholds failed (${failed
          .map((t) => `${t.metric} ${t.expression}`)
          .join(', ')})`,
      );
    }
    const c = run.analysis.correctness;
    const lostOrDuplicated = c.lostUpdates + c.duplicateReplies + c.digests.missing + c.digests.duplicated;
    if (lostOrDuplicated > 0) {
      sentences.push(
        `${prefix}${c.lostUpdates} lost updates, ${c.duplicateReplies} duplicate replies, ` +
          `${c.digests.missing} missing and ${c.digests.duplicated} duplicated digests.`,
      );
    }
    if (run.knee) sentences.push(...run.knee.sentences.map((s) => `${prefix}${s}`));
  }
  if (comparison) sentences.unshift(...comparison.verdicts);

  if (comparison) {
    // On a comparison page the question is "which variant"; losing variants are expected to fail rules.
    const winner = runs.find((run) => run.label === comparison.winner);
    const winnerFailed = winner !== undefined && failures.some((f) => f.startsWith(`${winner.label}: `));
    return {
      status: comparison.winner && !winnerFailed ? 'pass' : 'fail',
      headline: comparison.winner
        ? `Best variant: ${comparison.winner}`
        : 'No variant met every rule of the comparison',
      sentences: [...failures.map((f) => `${f}.`), ...sentences],
    };
  }
  if (failures.length > 0) {
    return { status: 'fail', headline: capitalise(failures.join('; ')), sentences };
  }
  const thresholdCount = runs.reduce((n, r) => n + r.thresholds.length, 0);
  if (thresholdCount > 0) {
    return { status: 'pass', headline: `All ${thresholdCount} thresholds passed`, sentences };
  }
  return { status: 'info', headline: 'No thresholds were set for this run', sentences };
}

/**
 * Each run's fidelity verdict as one line, the first thing every report says: a figure the lab distorted is
 * not a figure.
 *
 * @example
 * fidelityLines(doc) // ['fidelity ok: the lab added ~31 ms per update at 20x (auto), bound 150 ms (method lab-delay-x-scale)']
 */
export function fidelityLines(doc: Pick<ReportDocument, 'runs'>): string[] {
  return doc.runs.flatMap((run) => {
    const prefix = doc.runs.length > 1 ? `${run.label}: ` : '';
    const note = runFloodWaitNote(run.facts);
    return [`${prefix}${fidelityLine(run.facts.fidelity ?? undefined)}`, ...(note ? [`${prefix}${note}`] : [])];
  });
}

/** floodWaitNote for a report's run facts. */
export function runFloodWaitNote(facts: RunFacts): string | undefined {
  return floodWaitNote({ timeScale: facts.timeScale, botKind: facts.bot.kind, floodLimited429: facts.floodLimited429 });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
