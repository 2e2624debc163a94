import { defineScenario } from './validate.ts';

/**
 * CI smoke: two dozen users who are new to the bot (each starts with /start onboarding), then chat for
 * two simulated minutes, at the largest time scale `auto` finds faithful on the machine (1.5x on a 2-core
 * machine, under two minutes of wall time: docs/BENCHMARKS.md, Fidelity). Catches a broken reply path, lost or
 * duplicated replies, not capacity.
 */
export default defineScenario({
  name: 'smoke',
  description: 'CI smoke: 24 new users onboard and chat for 2 simulated minutes, at the faithful time scale (auto)',
  seed: 1,
  // The largest scale whose lab delay stays within 5% of the tightest budget (150 ms): see orchestration/time-scale.ts.
  timeScale: 'auto',
  start: '12:00',
  load: { executor: 'constant-vus', vus: 24, duration: '2m' },
  population: { size: 48, onboarded: false },
  behaviour: {
    thinkTime: { distribution: 'lognormal', median: '4s', p95: '15s' },
    conversationLength: { distribution: 'geometric', mean: 3, max: 8 },
  },
  replies: { deadline: '30s' },
  bot: { transport: 'polling', instances: 1 },
  fakes: { claude: { latency: 'realistic' }, telegram: { floodControl: false } },
  thresholds: {
    reply_latency: ['p(95)<10000'],
    // The first visible output (typing, a streamed draft) is what a user waits for; it also sets the fidelity bound.
    reply_first_latency: ['p(95)<3000'],
    lost_updates: ['count==0'],
    duplicate_replies: ['count==0'],
  },
});
