import { describe, expect, it } from 'vitest';
import { BOT_DEFAULTS } from '../bot/config/index.ts';
import type { RunResult, TimeSeries } from '../contracts/run-result.ts';
import { loadFixture } from '../reports/fixtures/index.ts';
import { applyOverrides, loadScenario } from '../scenarios/index.ts';
import { digestDrainPerS, nominalPeakRate, peakLoad } from '../scenarios/peak-vus.ts';
import type { RunScenarioOptions } from './options.ts';
import {
  calibrationScenario,
  decideFromCalibration,
  describeDecision,
  digestBurstPerSimulatedS,
  resolveTimeScale,
} from './time-scale.ts';

/**
 * A calibration at `scale` where each real second carries `itemsPerRealS` updates, `botCpuPercent`% of a core
 * in the bot and `generatorCpuPercent`% in the generator.
 */
function calibration(scale: number, itemsPerRealS: number, botCpuPercent: number, generatorCpuPercent = 5): RunResult {
  const seconds = 8;
  const at = (i: number): number => (i + 1) * 1000 * scale;
  const series = (name: string, source: string, value: number): TimeSeries => ({
    name,
    unit: '',
    source,
    points: Array.from({ length: seconds }, (_, i) => [at(i), value] as [number, number]),
  });
  return {
    ...loadFixture('smoke'),
    timeScale: scale,
    timeSeries: [
      series('updates_per_s', 'loadgen', itemsPerRealS / scale),
      series('cpu_percent', 'bot-1', botCpuPercent),
      series('cpu_percent', 'loadgen', generatorCpuPercent),
    ],
  };
}

describe('--time-scale auto', () => {
  it('keeps a numeric scale, saying where it came from, and runs nothing', async () => {
    const smoke = applyOverrides(await loadScenario('smoke'), { timeScale: 7 });
    const run = async () => {
      throw new Error('no calibration for a fixed scale');
    };
    const fromFlag = await resolveTimeScale(smoke, { timeScaleSource: 'flag' }, run);
    expect(fromFlag.decision).toEqual({ timeScale: 7, source: 'flag' });
    expect((await resolveTimeScale(smoke, {}, run)).decision.source).toBe('scenario');
  });

  it("calibrates at the scenario's peak, flat, without thresholds, at a scale giving enough items per real second", async () => {
    const concurrent = await loadScenario('500-concurrent');
    const c = calibrationScenario(concurrent);
    // 500 VUs with a ~33 s mean cycle: ~15 actions per simulated second; 25 per real second wants 2x. A closed
    // model plays as that steady rate from the first second, not as 500 users starting at once.
    expect(nominalPeakRate(concurrent)).toBeGreaterThan(10);
    expect(c.load).toEqual({
      executor: 'constant-arrival-rate',
      rate: nominalPeakRate(concurrent),
      timeUnit: 1000,
      duration: 2 * 8_000,
      preAllocatedVUs: 500,
      maxVUs: 500,
    });
    expect(c.thresholds).toEqual({});
    expect(c.timeScale).toBe(2);
    // peak-10am's 2 arrivals a second would give 4 items per real second at 2x: it calibrates at 10x.
    expect(calibrationScenario(await loadScenario('peak-10am')).timeScale).toBe(10);
    expect(
      peakLoad(
        {
          executor: 'ramping-arrival-rate',
          startRate: 1,
          timeUnit: 1000,
          stages: [{ duration: 60_000, target: 9 }],
          preAllocatedVUs: 5,
        },
        5000,
      ),
    ).toEqual({ executor: 'constant-arrival-rate', rate: 9, timeUnit: 1000, duration: 5000, preAllocatedVUs: 5 });
  });

  it('picks a lower scale for a costlier bot, and says why the next one up was refused', async () => {
    const smoke = await loadScenario('smoke');
    const cheap = decideFromCalibration(smoke, BOT_DEFAULTS, calibration(5, 50, 5), 2);
    const costly = decideFromCalibration(smoke, BOT_DEFAULTS, calibration(5, 50, 40), 2);
    expect(cheap.timeScale).toBeGreaterThan(costly.timeScale);
    expect(costly.calibration!.processes.find((p) => p.name === 'bot-1')!.cpuMsPerItem).toBeCloseTo(8, 5); // 400 ms / 50
    expect(costly.calibration!.choice.limitingProcess).toBe('bot-1');
    expect(describeDecision(costly)).toMatch(
      new RegExp(
        `^time scale auto: ${costly.timeScale}x \\(predicted lab delay \\d+ ms, target 45 ms of the 150 ms bound; ${costly.calibration!.choice.refused!.timeScale}x (predicted \\d+ ms|would keep the cores)`,
      ),
    );
  });

  it('says when even 1x is refused: a fallback that will read distorted, with what would help', async () => {
    const smoke = await loadScenario('smoke');
    // 60 ms of the generator's CPU per update: at 1x the lab alone adds more than the 45 ms target.
    const overloaded = decideFromCalibration(smoke, BOT_DEFAULTS, calibration(5, 50, 10, 300), 2);
    expect(overloaded.timeScale).toBe(1);
    expect(overloaded.calibration!.choice.refused).toMatchObject({ timeScale: 1, cause: 'distortion' });
    expect(describeDecision(overloaded)).toMatch(
      /^time scale auto: even 1x is predicted to be distorted on this machine \(predicted \d+ ms; target 45 ms of the 150 ms bound\), so it runs at 1x anyway; limiting loadgen, 60\.00 ms CPU per update; .*Fewer users or instances, more cores or a larger fidelity bound/,
    );
    // A bot that saturates at 1x is the system's answer, not the lab's distortion: 1x is a pick, not refused.
    const saturated = decideFromCalibration(smoke, BOT_DEFAULTS, calibration(5, 50, 600), 2);
    expect(saturated.timeScale).toBe(1);
    expect(Number.isFinite(saturated.calibration!.choice.distortionMs)).toBe(true);
    expect(describeDecision(saturated)).toMatch(/^time scale auto: 1x \(predicted lab delay \d+ ms/);
  });

  it('prices the 10:00 burst of digests the calibration does not reach', async () => {
    const peak = await loadScenario('peak-10am');
    // ~1,150 users (10% of 10K at 10:00, plus the 15-minute spread's share) in the busiest minute: with an
    // instantly answering Claude the bots' work arrives as fast as the digests fall due...
    const instant = { ...peak, fakes: { ...peak.fakes, claude: { ...peak.fakes.claude, latency: 'zero' as const } } };
    expect(digestBurstPerSimulatedS(instant, BOT_DEFAULTS) * 60).toBeGreaterThan(1000);
    // ...with realistic latency at the rate the instances' Claude slots drain them (10 slots, ~6 s each).
    const drain = digestDrainPerS(peak.bot.instances, BOT_DEFAULTS.resilience.bulkheadConcurrency);
    expect(digestBurstPerSimulatedS(peak, BOT_DEFAULTS)).toBeCloseTo(drain);
    expect(drain).toBeLessThan(1000 / 60);
    const off = { ...BOT_DEFAULTS, scheduler: { ...BOT_DEFAULTS.scheduler, enabled: false } };
    expect(digestBurstPerSimulatedS(peak, off)).toBe(0);
  });

  it('calibrates the same bot through the given runner and resolves to its pick', async () => {
    const smoke = await loadScenario('smoke');
    const seen: Array<{ timeScale: number; options: RunScenarioOptions }> = [];
    const earlierBot = '/tmp/botcap-at-7f63079/bin/botcap.js';
    const { scenario, decision } = await resolveTimeScale(
      smoke,
      { handleSignals: false, variant: 'x', referenceBotBin: earlierBot },
      async (s, o) => {
        seen.push({ timeScale: s.timeScale, options: o });
        return calibration(s.timeScale, 50, 10);
      },
    );
    expect(seen).toHaveLength(1);
    // A calibration of another bot than the run's would pick the scale for the wrong CPU per update.
    expect(seen[0]!.options).toEqual({
      handleSignals: false,
      referenceBotBin: earlierBot,
      variant: 'time-scale calibration',
    });
    expect(decision.source).toBe('auto');
    expect(scenario.timeScale).toBe(decision.timeScale);
  });
});
