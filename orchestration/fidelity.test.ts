import { describe, expect, it } from 'vitest';
import type { TimeSeries } from '../contracts/run-result.ts';
import { distortedMessage, fidelityLine, notJudged } from '../reports/fidelity.ts';
import { runFidelity } from './fidelity.ts';

const bucket = (scale: number, values: number[], name: string, source: string): TimeSeries => ({
  name,
  unit: '',
  source,
  points: values.map((v, i) => [(i + 1) * 1000 * scale, v] as [number, number]),
});

/** A run whose bot spends `cpuPercent` of a core on 10 items per real second, nothing else. */
function run(scale: number, cpuPercent: number) {
  const perSimulatedS = 10 / scale;
  return {
    timeScale: scale,
    timeSeries: [
      bucket(scale, [perSimulatedS, perSimulatedS, perSimulatedS], 'updates_per_s', 'loadgen'),
      bucket(scale, [cpuPercent, cpuPercent, cpuPercent], 'cpu_percent', 'bot-1'),
    ],
  };
}

describe('a run judged on its fidelity', () => {
  const thresholds = { reply_first_latency: ['p(95)<3000'] }; // bound 150 ms

  it('is ok when the lab delay times the scale stays within 5% of the tightest budget', () => {
    // 10% of a core over 10 items a second: 10 ms real per item; at 10x that reads as 90 ms.
    const fidelity = runFidelity(run(10, 10), { fidelity: {} }, thresholds, { source: 'flag' });
    expect(fidelity).toMatchObject({ status: 'ok', estimatedDistortionMs: 90, boundMs: 150, timeScaleSource: 'flag' });
    expect(notJudged(fidelity)).toBe(false);
    expect(fidelityLine(fidelity)).toMatch(
      /^fidelity ok: the lab added ~90 ms per update at 10x \(flag\), bound 150 ms/,
    );
  });

  it('is distorted past the bound, names the process and the largest faithful scale, and is not judged', () => {
    const fidelity = runFidelity(run(60, 10), { fidelity: {} }, thresholds, { source: 'scenario' });
    expect(fidelity).toMatchObject({ status: 'distorted', limitingProcess: 'bot-1', maxFaithfulTimeScale: 16 });
    expect(notJudged(fidelity)).toBe(true);
    expect(distortedMessage(fidelity)).toMatch(
      /not judged: the lab itself added ~590 ms \(bound 150 ms\) at 60x, mostly bot-1; at most 16x would have been faithful: rerun with --time-scale auto \(or 16\), or pass --allow-distorted/,
    );
  });

  it('is judged when the user overrides, and says so', () => {
    const fidelity = runFidelity(run(60, 10), { fidelity: {} }, thresholds, {
      source: 'scenario',
      allowDistorted: true,
    });
    expect(fidelity.overridden).toBe(true);
    expect(notJudged(fidelity)).toBe(false);
    expect(fidelityLine(fidelity)).toMatch(/^fidelity DISTORTED \(judged anyway: --allow-distorted\)/);
  });

  it("takes the scenario's own bound over the budget share", () => {
    const fidelity = runFidelity(run(60, 10), { fidelity: { boundMs: 1000 } }, thresholds, { source: 'scenario' });
    expect(fidelity).toMatchObject({ boundMs: 1000, status: 'ok' });
  });

  describe("the generator's lag in taking replies, judged against the users' cycle", () => {
    // Think time median 2 s, p95 2 s: a mean cycle of 2 s. Latency within bound: 1% of a core, 1 ms per item.
    const behaviour = { thinkTime: { distribution: 'lognormal' as const, median: 2_000, p95: 2_000 } };
    const withReplyLag = (scale: number, lagRealMs: number) => {
      const r = run(scale, 1);
      const lag = bucket(
        scale,
        [lagRealMs * scale, lagRealMs * scale, lagRealMs * scale],
        'reply_processing_lag_ms',
        'loadgen',
      );
      return { ...r, timeSeries: [...r.timeSeries, lag] };
    };

    it('is ok while S x the lag stays within 5% of the mean think time', () => {
      // 5 ms real at 10x: 50 ms of a 2 s cycle, 2.5% (all of it the lab's: real Telegram has no such lag).
      const fidelity = runFidelity(withReplyLag(10, 5), { fidelity: {}, behaviour }, thresholds, { source: 'flag' });
      expect(fidelity.status).toBe('ok');
      expect(fidelity.cycleStretch).toEqual({ stretchMs: 50, cycleMs: 2000, share: 0.025, boundShare: 0.05 });
      expect(fidelityLine(fidelity)).not.toMatch(/cycles/);
    });

    it('is distorted past it, though the latency estimate is within its bound, and says which', () => {
      // 5 ms real at 30x: 150 ms of a 2 s cycle, 7.5%; the latency estimate is 29 ms of 150 ms.
      const fidelity = runFidelity(withReplyLag(30, 5), { fidelity: {}, behaviour }, thresholds, { source: 'flag' });
      expect(fidelity).toMatchObject({ status: 'distorted', limitingProcess: 'loadgen', estimatedDistortionMs: 29 });
      // 5% x 2,000 ms / 5 ms = 20x keeps the cycle; 1 + 150 / 1 = 151x the latency: the cycle decides.
      expect(fidelity.maxFaithfulTimeScale).toBe(20);
      expect(distortedMessage(fidelity)).toBe(
        "not judged: the generator took replies late enough to stretch each user's cycle by ~150 ms (7.5% of the 2.0 s mean think time, bound 5%) at 30x; at most 20x would have been faithful: rerun with --time-scale auto (or 20), or pass --allow-distorted",
      );
      expect(fidelityLine(fidelity)).toMatch(
        /; the users' cycles stretched by ~150 ms \(7\.5% of the 2\.0 s mean think time/,
      );
    });

    it('is not judged on the cycle without a think time (a result from before it was measured)', () => {
      const fidelity = runFidelity(withReplyLag(30, 5), { fidelity: {} }, thresholds, { source: 'flag' });
      expect(fidelity.status).toBe('ok');
      expect(fidelity.cycleStretch).toBeUndefined();
    });
  });
});
