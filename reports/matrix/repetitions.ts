import { capitalized } from './figures.ts';
import type { ScaleCheckSummary } from './scale-check.ts';
import type { MatrixVerdict, VerdictDirection, VerdictRow } from './types.ts';

/**
 * A matrix answered several times over: each repetition runs every variant once (its own seed), the rule
 * decides each repetition on its own, and this folds the R verdicts into one.
 *
 * Why the rule runs per repetition rather than on averaged results: a verdict is a ranking, and a ranking of
 * averages can pick a winner no single repetition picked. Counting how often each variant won is the honest
 * figure (how sure are we?), and the table shows every figure as the median with its range (min-max) over
 * the repetitions, so a reader sees the spread behind each number. A winner is stable only when every
 * repetition picked it; otherwise the answer is "no stable answer", with the win counts, never a winner.
 * When the rule gives a direction (the coarse half of its answer, e.g. "spread them at all") and every
 * repetition gave the same one, the answer leads with it: that half is stable even where the winner is not.
 */

/** The median and range of one figure over the repetitions (nulls are left out; all null gives null). */
export interface FigureSpread {
  median: number | null;
  min: number | null;
  max: number | null;
  /** Repetitions that had a value. */
  n: number;
}

/**
 * The median (mean of the middle two for an even count) and range of the non-null values.
 *
 * @example
 * spread([3, 1, null, 2]) // { median: 2, min: 1, max: 3, n: 3 }
 */
export function spread(values: ReadonlyArray<number | null>): FigureSpread {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (present.length === 0) return { median: null, min: null, max: null, n: 0 };
  const mid = present.length >> 1;
  const median = present.length % 2 === 1 ? present[mid]! : (present[mid - 1]! + present[mid]!) / 2;
  return { median, min: present[0]!, max: present.at(-1)!, n: present.length };
}

/** How the repetitions voted. */
export interface RepetitionSummary {
  count: number;
  /** Each repetition's winner, in order (null: that repetition picked none). */
  winners: Array<string | null>;
  /** Wins per variant, most first. */
  wins: Array<{ variant: string; wins: number }>;
  /** Every repetition picked the same winner (or every one picked none). */
  stable: boolean;
  /** The repetition whose sentences the folded verdict shows (1-based). */
  representative: number;
  /** Each repetition's scenario seed, in order, when the runner passed them. */
  seeds?: number[];
  /**
   * The runs the lab distorted (fidelity `distorted`), in any repetition, when the runner passed them: the
   * report's fidelity lines show the representative repetition only, so the others would go unsaid.
   */
  distorted?: DistortedRun[];
}

/** One run whose figures the lab's own delay distorted. */
export interface DistortedRun {
  variant: string;
  /** 1-based. */
  repetition: number;
  timeScale: number;
  estimatedDistortionMs: number;
  boundMs: number;
}

/** A verdict row with each figure's spread over the repetitions. */
export interface RepeatedRow extends VerdictRow {
  spreads: Record<string, FigureSpread>;
}

export interface RepeatedVerdict extends Omit<MatrixVerdict, 'rows' | 'status'> {
  status: MatrixVerdict['status'] | 'no-stable-answer';
  rows: RepeatedRow[];
  repetitions: RepetitionSummary;
  /** Which variants ran again at 1x and what moved (scale-check.ts), when the runner passed it. */
  scaleCheck?: ScaleCheckSummary;
}

/** How the repetitions voted on one part of an answer in parts (MatrixVerdict.parts). */
interface PartVote {
  name: string;
  /** Each repetition's pick for this part, in order. */
  winners: Array<string | null>;
  wins: Array<{ variant: string; wins: number }>;
  stable: boolean;
}

/** The votes per part when the rule answers in parts, else undefined. */
function partVotes(verdicts: readonly MatrixVerdict[]): PartVote[] | undefined {
  const names = verdicts[0]?.parts?.map((part) => part.name);
  if (names === undefined) return undefined;
  return names.map((name) => {
    const winners = verdicts.map((v) => v.parts?.find((part) => part.name === name)?.winner ?? null);
    return { name, winners, wins: winCounts(winners), stable: winners.every((w) => w === winners[0]) };
  });
}

function winCounts(winners: ReadonlyArray<string | null>): Array<{ variant: string; wins: number }> {
  const counts = new Map<string, number>();
  for (const w of winners) if (w !== null) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].map(([variant, wins]) => ({ variant, wins })).sort((a, b) => b.wins - a.wins);
}

/**
 * Rows of every repetition merged by variant: values are medians (every column present, null when no
 * repetition had it), spreads kept; failed if it failed in all. One repetition's row keeps its own error.
 */
function mergedRows(verdicts: readonly MatrixVerdict[]): RepeatedRow[] {
  const byVariant = new Map<string, VerdictRow[]>();
  for (const v of verdicts)
    for (const row of v.rows) byVariant.set(row.variant, [...(byVariant.get(row.variant) ?? []), row]);
  const columnKeys = verdicts.flatMap((v) => v.columns.map((c) => c.key));
  return [...byVariant].map(([variant, rows]) => {
    const ok = rows.filter((r) => r.status === 'ok');
    const keys = [...new Set([...columnKeys, ...ok.flatMap((r) => Object.keys(r.values))])];
    const spreads: Record<string, FigureSpread> = {};
    const values: Record<string, number | null> = {};
    for (const key of keys) {
      spreads[key] = spread(ok.map((r) => r.values[key] ?? null));
      values[key] = spreads[key].median;
    }
    const failures = rows.filter((r) => r.status === 'failed');
    const error =
      rows.length === 1
        ? rows[0]!.error
        : failures.length === 0
          ? null
          : `${failures.length} of ${rows.length} repetitions failed: ${failures.map((r) => r.error ?? 'no result').join('; ')}`;
    return { variant, status: ok.length > 0 ? 'ok' : 'failed', error, values, spreads };
  });
}

/**
 * How the repetitions split, in words: `skip-locked x3 won 2 of 3 repetitions, advisory x3 1`.
 *
 * @example
 * disagreement([{ variant: 'a', wins: 2 }], 1, 3) // 'a won 2 of 3 repetitions and 1 picked no variant'
 */
/**
 * Variant labels as a list a reader can split: commas between them, semicolons when a label has a comma of
 * its own ("slot table, webhook x3").
 *
 * @example
 * listOfLabels(['a', 'b']) // 'a, b'
 * listOfLabels(['slot table, webhook x3 1', 'slot table 2']) // 'slot table, webhook x3 1; slot table 2'
 */
export function listOfLabels(items: readonly string[]): string {
  return items.join(items.some((item) => item.includes(',')) ? '; ' : ', ');
}

export function disagreement(
  wins: ReadonlyArray<{ variant: string; wins: number }>,
  none: number,
  count: number,
): string {
  const [first, ...rest] = wins;
  const picked =
    first === undefined
      ? `none of the ${count} repetitions picked a variant`
      : listOfLabels([
          `${first.variant} won ${first.wins} of ${count} repetitions`,
          ...rest.map((w) => `${w.variant} ${w.wins}`),
        ]);
  return none > 0 && first !== undefined ? `${picked} and ${none} picked no variant` : picked;
}

/**
 * Folds the verdicts of R repetitions (same matrix, same variants, different seeds) into one. The
 * representative repetition is, among those that picked the most frequent winner, the one whose winner's
 * first figure is the median of theirs, so the sentences shown are a typical repetition's, not the best's.
 *
 * @example
 * const folded = foldRepetitions([v1, v2, v3]);
 * folded.repetitions.stable ? folded.winner : folded.status // 'no-stable-answer' when v1..v3 disagree
 */
export function foldRepetitions(
  verdicts: readonly MatrixVerdict[],
  options: { seeds?: readonly number[]; distorted?: readonly DistortedRun[]; scaleCheck?: ScaleCheckSummary } = {},
): RepeatedVerdict {
  if (verdicts.length === 0) throw new RangeError('foldRepetitions needs at least one verdict');
  const votes = partVotes(verdicts);
  // In parts, a repetition's pick is its pick in every part, and each variant counts the parts it won.
  const winners =
    votes === undefined
      ? verdicts.map((v) => v.winner)
      : verdicts.map((_, i) => votes.map((part) => part.winners[i] ?? 'none').join(' + '));
  const wins = winCounts(votes === undefined ? winners : votes.flatMap((part) => part.winners));
  const stable = votes === undefined ? winners.every((w) => w === winners[0]) : votes.every((part) => part.stable);
  const modal = winCounts(verdicts.map((v) => v.winner))[0]?.variant ?? null;
  const firstKey = verdicts[0]!.columns[0]?.key;
  const candidates = verdicts
    .map((v, index) => ({ v, index }))
    .filter(({ v }) => v.winner === modal)
    .map(({ v, index }) => ({
      index,
      figure: firstKey === undefined ? 0 : (v.rows.find((r) => r.variant === modal)?.values[firstKey] ?? 0),
    }))
    .sort((a, b) => a.figure - b.figure);
  const representative = candidates[(candidates.length - 1) >> 1]?.index ?? 0;
  const base = verdicts[representative]!;
  const summary: RepetitionSummary = {
    count: verdicts.length,
    winners,
    wins,
    stable,
    representative: representative + 1,
    ...(options.seeds === undefined ? {} : { seeds: [...options.seeds] }),
    ...(options.distorted === undefined ? {} : { distorted: [...options.distorted] }),
  };
  const rows = mergedRows(verdicts);
  const scaleCheck = options.scaleCheck === undefined ? {} : { scaleCheck: options.scaleCheck };
  if (verdicts.length === 1) return { ...base, rows, repetitions: summary, ...scaleCheck };
  const agreement =
    votes === undefined
      ? `${wins[0]?.wins ?? 0} of ${verdicts.length} repetitions`
      : `${verdicts.length} of ${verdicts.length} repetitions, in each part,`;
  // The folded direction is the one every repetition gave, with each one's evidence (none when they differ).
  const { direction: _representatives, ...rest } = base;
  const direction = agreedDirection(verdicts);
  if (stable) {
    // The sentences quote one repetition's figures, the table their medians: say whose, so one label never
    // reads as two values (transport's answer gave webhook x3's p95 reply as 8.79 s over a median of 7.97 s).
    const whose = `repetition ${representative + 1} of ${verdicts.length}, a typical one`;
    return {
      ...rest,
      ...(direction === undefined ? {} : { direction }),
      rows,
      repetitions: summary,
      ...scaleCheck,
      figure: `${whose}: ${base.figure}`,
      answer:
        base.winner === null
          ? base.answer
          : `${base.answer} (${agreement} picked ${votes === undefined ? base.winner : 'the same'}; figures from ${whose}, medians in the table.)`,
    };
  }
  const none = winners.filter((w) => w === null).length;
  const tally = listOfLabels([...wins.map((w) => `${w.variant} ${w.wins}`), ...(none > 0 ? [`none ${none}`] : [])]);
  const split = disagreement(wins, none, verdicts.length);
  const unstable = {
    ...rest,
    status: 'no-stable-answer' as const,
    rows,
    repetitions: summary,
    ...scaleCheck,
    winner: null,
    figure: `repetition ${representative + 1} of ${verdicts.length}, a typical one for ${modal ?? 'no winner'}: ${base.figure}`,
    // The rule's own sentence was written for one repetition's pick, which the folded answer does not make.
    changesIf:
      `More repetitions, or a larger gap between the variants, would be needed ` +
      `${direction === undefined ? 'for an answer' : 'to pick a variant'}. ` +
      `In repetition ${representative + 1}, the typical one: ${base.changesIf}`,
  };
  if (votes !== undefined) return { ...unstable, ...partlyStable(votes, base, verdicts.length) };
  if (direction === undefined) {
    return {
      ...unstable,
      answer: `No stable answer: the repetitions disagree (wins: ${tally}).`,
      recommendation: `No firm recommendation yet: ${split}; run more repetitions before acting on it.`,
    };
  }
  // The coarse half held in every repetition: say it first, then that the choice within it did not.
  const all = `all ${verdicts.length} repetitions agree`;
  return {
    ...unstable,
    direction,
    answer: `${direction.claim}. ${capitalized(all)} (${direction.evidence}). Which variant: no stable answer (wins: ${tally}).`,
    recommendation: `${direction.claim} (${all}). Which variant: no firm recommendation yet: ${split}; run more repetitions before choosing.`,
  };
}

/**
 * The answer and advice of a verdict in parts where some part flipped: each part that held as the representative
 * repetition gave it, each that flipped as "no stable answer" with its wins, so a stable half is not lost and a
 * flipping one is not hidden behind it.
 *
 * @example
 * partlyStable(votes, base, 3).answer
 * // 'Claude 529 storm: the per-upstream breaker (...) (3 of 3 repetitions); MCP outage: no stable answer (wins: no breaker, MCP outage 2; per-upstream, MCP outage 1).'
 */
function partlyStable(
  votes: readonly PartVote[],
  base: MatrixVerdict,
  count: number,
): { answer: string; recommendation: string } {
  const answers: string[] = [];
  const advice: string[] = [];
  for (const vote of votes) {
    const part = base.parts?.find((p) => p.name === vote.name);
    const none = vote.winners.filter((w) => w === null).length;
    if (vote.stable && part !== undefined) {
      answers.push(`${part.answer} (${count} of ${count} repetitions)`);
      advice.push(part.recommendation);
      continue;
    }
    const tally = listOfLabels([
      ...vote.wins.map((w) => `${w.variant} ${w.wins}`),
      ...(none > 0 ? [`none ${none}`] : []),
    ]);
    answers.push(`${vote.name}: no stable answer (wins: ${tally})`);
    advice.push(
      `${vote.name}: no firm recommendation yet: ${disagreement(vote.wins, none, count)}; run more repetitions before acting on it`,
    );
  }
  return { answer: `${answers.join('; ')}.`, recommendation: `${advice.join('; ')}.` };
}

/**
 * The direction every repetition gave, with each repetition's evidence; undefined when one has none or
 * two differ.
 *
 * @example
 * agreedDirection([v1, v2])?.evidence // 'repetition 1: none 51.2 s, capped 22.3 s; repetition 2: ...'
 */
function agreedDirection(verdicts: readonly MatrixVerdict[]): VerdictDirection | undefined {
  const first = verdicts[0]?.direction;
  if (first === undefined || !verdicts.every((v) => v.direction?.key === first.key)) return undefined;
  const evidence = verdicts.map((v) => v.direction!.evidence);
  return {
    ...first,
    evidence: evidence.every((e) => e === evidence[0])
      ? `in each: ${evidence[0]}`
      : evidence.map((e, i) => `repetition ${i + 1}: ${e}`).join('; '),
  };
}

/**
 * A verdict as the renderers take it: a folded one as it is, a single rule's verdict as one repetition.
 *
 * @example
 * asRepeated(decideMatrix('scheduler', question, outcomes)).repetitions.count // 1
 */
export function asRepeated(verdict: MatrixVerdict | RepeatedVerdict): RepeatedVerdict {
  return 'repetitions' in verdict ? verdict : foldRepetitions([verdict]);
}
