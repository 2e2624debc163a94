import { defineScenario } from './validate.ts';

/**
 * The headline question: 500 concurrent users at the production mix (mostly cheap navigation, a third
 * Claude questions), closed model - ramp up over a minute, hold five, ramp down over one. Seven simulated
 * minutes at the time scale `auto` finds faithful (1x on a 2-core machine: seven minutes of wall time plus
 * the calibration; docs/BENCHMARKS.md, Fidelity). Out of a 10K-DAU population, so conversations rotate users.
 */
export default defineScenario({
  name: '500-concurrent',
  description:
    '500 concurrent users, production mix: ramp 1m, hold 5m, ramp down 1m, at the faithful time scale (auto)',
  seed: 1,
  timeScale: 'auto',
  start: '13:00',
  load: {
    executor: 'ramping-vus',
    startVUs: 0,
    stages: [
      { duration: '1m', target: 500 },
      { duration: '5m', target: 500 },
      { duration: '1m', target: 0 },
    ],
    gracefulRampDown: '30s',
  },
  population: { size: 10_000, onboarded: true },
  behaviour: {
    mix: { navigation: 0.5, question: 0.35, settings: 0.05, start: 0.1 },
    thinkTime: { distribution: 'lognormal', median: '15s', p95: '90s' },
    conversationLength: { distribution: 'geometric', mean: 4, max: 20 },
  },
  replies: { deadline: '30s' },
  bot: { transport: 'polling', instances: 1 },
  environment: { maxConnections: 100 },
  fakes: { claude: { latency: 'realistic', tier: 'start' } },
  thresholds: {
    reply_latency: ['p(95)<3000', 'p(99)<8000'],
    lost_updates: ['count==0'],
    duplicate_replies: ['count==0'],
    failed_updates: ['rate<0.01'],
  },
});
