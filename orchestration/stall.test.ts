import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '../contracts/histogram.ts';
import { histogramStats } from '../loadgen/metrics/histogram.ts';
import { parseScenario } from '../scenarios/index.ts';
import { runScenario } from './run.ts';

/**
 * Coordinated omission, end to end: under a constant arrival rate the bot process is frozen (SIGSTOP) for
 * 2 real seconds. Updates keep arriving at their intended times, so the stall must show in p99 and the max;
 * a generator that only timed what it managed to send would hide it.
 */

const TIME_SCALE = 2;
const STALL_REAL_MS = 2_000;
const STALL_SIMULATED_MS = STALL_REAL_MS * TIME_SCALE;

describe('a planted stall', () => {
  it('shows up in p99 and the max under constant arrival', async () => {
    const scenario = parseScenario({
      name: 'stall',
      timeScale: TIME_SCALE,
      seed: 7,
      load: {
        executor: 'constant-arrival-rate',
        rate: 5,
        timeUnit: '1s',
        duration: '16s',
        preAllocatedVUs: 40,
        maxVUs: 80,
      },
      population: { size: 80, onboarded: true },
      // Navigation only, Claude answering at once: the stall is the only slow thing in the run.
      behaviour: { mix: { navigation: 1, question: 0, settings: 0, start: 0 } },
      fakes: { claude: { latency: 'zero' }, telegram: { floodControl: false } },
      bot: { config: { scheduler: { enabled: false } } },
    });
    const timers: NodeJS.Timeout[] = [];
    let frozenPid: number | undefined;
    try {
      const result = await runScenario(scenario, {
        handleSignals: false,
        onLoadStart: (bots) => {
          frozenPid = bots[0]?.pid;
          if (frozenPid === undefined) return;
          const pid = frozenPid;
          timers.push(
            setTimeout(() => process.kill(pid, 'SIGSTOP'), 2_000),
            setTimeout(() => process.kill(pid, 'SIGCONT'), 2_000 + STALL_REAL_MS),
          );
        },
      });
      expect(frozenPid).toBeDefined();
      const latency = histogramStats(decodeHistogram(result.latency.replyFinal));
      expect(latency.count).toBeGreaterThan(50);
      expect(result.correctness.lostUpdates).toBe(0);
      // The update that arrived as the bot froze waited the whole stall; the ones after it a little less.
      expect(latency.max).toBeGreaterThanOrEqual(STALL_SIMULATED_MS * 0.8);
      expect(latency.p99).toBeGreaterThanOrEqual(STALL_SIMULATED_MS * 0.5);
      // ...while most replies were quick: the stall is visible, not smeared over the run.
      expect(latency.p50).toBeLessThan(STALL_SIMULATED_MS * 0.5);
    } finally {
      for (const timer of timers) clearTimeout(timer);
      if (frozenPid !== undefined) {
        try {
          process.kill(frozenPid, 'SIGCONT');
        } catch {
          // already gone
        }
      }
    }
  });
});
