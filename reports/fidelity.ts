import type { Fidelity } from '../contracts/run-result.ts';
import { figureWithUnit } from './matrix/cell.ts';

/*
 * How a run's fidelity verdict (contracts/run-result.ts, estimated by loadgen/fidelity) reads in every
 * report, the console summary and the gates: one wording, one place.
 */

/** A distorted verdict nobody overrode: its thresholds and comparisons are not judged. */
export function notJudged(fidelity: Fidelity | undefined): fidelity is Fidelity {
  return fidelity?.status === 'distorted' && fidelity.overridden !== true;
}

/**
 * One line saying why a distorted run is not judged: how much the lab added against what bound, the process
 * that added most, the largest faithful scale, and how to proceed.
 *
 * @example
 * distortedMessage(fidelity)
 * // 'not judged: the lab itself added ~412 ms (bound 150 ms) at 60x, mostly bot-1; at most 18x would have been faithful: rerun with --time-scale auto (or 18), or pass --allow-distorted'
 */
export function distortedMessage(fidelity: Fidelity): string {
  if (movedAtOneX(fidelity))
    return (
      `not judged: its figures moved with the time scale (${movedText(fidelity)}; scale check): the run at 1x ` +
      `in ${fidelity.scaleCheck!.at1xDir}/ is the faithful one: judge that (botcap gate ${fidelity.scaleCheck!.at1xDir}/result.json), ` +
      'or run at --time-scale 1, or pass --allow-distorted'
    );
  const max = fidelity.maxFaithfulTimeScale;
  const faithful =
    max === undefined
      ? ''
      : max < 1
        ? `; not even real time would have been faithful (at most ${formatScale(max)}x): the lab itself is too slow for this load on this machine`
        : `; at most ${formatScale(max)}x would have been faithful`;
  const rerun =
    max === undefined
      ? 'rerun with --time-scale auto'
      : max < 1
        ? 'run fewer users, or on more cores'
        : `rerun with --time-scale auto (or ${formatScale(Math.floor(max))})`;
  const what = latencyWithinBound(fidelity)
    ? `the generator took replies late enough to stretch each user's cycle by ${cycleText(fidelity)} at ${formatScale(fidelity.timeScale)}x`
    : `the lab itself added ~${Math.round(fidelity.estimatedDistortionMs)} ms (bound ${fidelity.boundMs} ms) at ${formatScale(fidelity.timeScale)}x, mostly ${fidelity.limitingProcess}`;
  return `not judged: ${what}${faithful}: ${rerun}, or pass --allow-distorted`;
}

/** Whether the scale check's run at 1x moved a figure (the run is distorted by measurement, not estimate). */
function movedAtOneX(fidelity: Fidelity): boolean {
  return (fidelity.scaleCheck?.moved.length ?? 0) > 0;
}

/** `p95 final reply 9.2 s at 3x, 2.1 s at 1x; lost 28 updates at 3x, 29 updates at 1x`. */
function movedText(fidelity: Fidelity): string {
  return fidelity
    .scaleCheck!.moved.map((m) => {
      const column = { key: m.column, label: m.label, unit: m.unit };
      return `${m.label} ${figureWithUnit(column, m.atScale)} at ${formatScale(fidelity.timeScale)}x, ${figureWithUnit(column, m.at1x)} at 1x`;
    })
    .join('; ');
}

/** Whether the latency estimate alone was within its bound (a distorted run then failed on the cycle). */
function latencyWithinBound(fidelity: Fidelity): boolean {
  return fidelity.estimatedDistortionMs <= fidelity.boundMs;
}

/** Whether the generator's reply lag stretched the users' cycles past their share. */
function cycleStretched(fidelity: Fidelity): boolean {
  return fidelity.cycleStretch !== undefined && fidelity.cycleStretch.share > fidelity.cycleStretch.boundShare;
}

/** '~1.9 s (7.0% of the 27.1 s mean think time, bound 5%)' */
function cycleText(fidelity: Fidelity): string {
  const c = fidelity.cycleStretch!;
  const ms = c.stretchMs >= 1000 ? `${(c.stretchMs / 1000).toFixed(1)} s` : `${Math.round(c.stretchMs)} ms`;
  return `~${ms} (${((100 * c.stretchMs) / c.cycleMs).toFixed(1)}% of the ${(c.cycleMs / 1000).toFixed(1)} s mean think time, bound ${Math.round(c.boundShare * 100)}%)`;
}

/**
 * The fidelity verdict as the first line of a summary: `fidelity ok: ...` or `fidelity DISTORTED: ...`.
 *
 * @example
 * fidelityLine(fidelity) // 'fidelity ok: the lab added ~31 ms per update at 20x (auto), bound 150 ms (method lab-delay-x-scale)'
 */
export function fidelityLine(fidelity: Fidelity | undefined): string {
  if (fidelity === undefined) return 'fidelity: not measured (a result written before botcap measured it)';
  const head =
    fidelity.status === 'ok'
      ? 'fidelity ok'
      : fidelity.overridden === true
        ? 'fidelity DISTORTED (judged anyway: --allow-distorted)'
        : 'fidelity DISTORTED';
  const check = fidelity.scaleCheck;
  if (check !== undefined && movedAtOneX(fidelity))
    return `${head}: its figures moved when run again at 1x (scale check, ${check.at1xDir}/): ${movedText(fidelity)}; the lab's estimate was ~${Math.round(fidelity.estimatedDistortionMs)} ms per update at ${formatScale(fidelity.timeScale)}x (${fidelity.timeScaleSource}), bound ${fidelity.boundMs} ms (method ${fidelity.method})`;
  const limiting = fidelity.status === 'ok' ? '' : `, mostly ${fidelity.limitingProcess}`;
  const cycle = cycleStretched(fidelity) ? `; the users' cycles stretched by ${cycleText(fidelity)}` : '';
  const held = check === undefined ? '' : `; run again at 1x (scale check, ${check.at1xDir}/), every figure held`;
  return `${head}: the lab added ~${Math.round(fidelity.estimatedDistortionMs)} ms per update at ${formatScale(fidelity.timeScale)}x (${fidelity.timeScaleSource}), bound ${fidelity.boundMs} ms${limiting}${cycle} (method ${fidelity.method})${held}`;
}

/**
 * A caveat for your own bot flood-limited above 1x. The fake's `retry_after` is whole simulated seconds (the
 * Bot API's Integer cannot say half a second), and the reference bot divides it by the time scale; a bot that
 * sleeps it on the wall clock waited `timeScale` times too long, met refilled buckets, and so saw fewer 429s and
 * fallbacks than production would. botcap cannot tell whether your bot converts, so it says so.
 *
 * @example
 * floodWaitNote({ timeScale: 2, botKind: 'command', floodLimited429: 548 })
 * // 'flood control refused 548 sends at 2x: ...'
 */
export function floodWaitNote(run: {
  timeScale: number;
  botKind: string;
  floodLimited429: number;
}): string | undefined {
  if (run.botKind === 'reference' || run.timeScale <= 1 || run.floodLimited429 === 0) return undefined;
  return `flood control refused ${run.floodLimited429} sends at ${formatScale(run.timeScale)}x: retry_after is simulated seconds, so a bot that sleeps it on the wall clock waited ${formatScale(run.timeScale)}x too long and saw fewer refusals than production; divide it by BOTCAP_TIME_TIME_SCALE (environment/README.md) or judge this at 1x (--scale-check)`;
}

function formatScale(scale: number): string {
  return Number.isInteger(scale) ? String(scale) : scale < 1 ? scale.toFixed(2) : scale.toFixed(1);
}
