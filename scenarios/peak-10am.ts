import { defineScenario } from './validate.ts';

/**
 * The 10:00 peak: a 10K-DAU population of which 1,000 chose a 10:00 digest (the rest spread 07:00-22:00
 * every 15 minutes, so the 10:00 slot gets ~150 more), and the normal daytime traffic around it. The bot's scheduler sends the digests; the
 * generator adds the traffic and checks every digest: missing, duplicated, late. 30 simulated minutes
 * (09:45-10:15) at the time scale `auto` finds faithful (3x on a 2-core machine, about ten minutes of wall
 * time: docs/BENCHMARKS.md, Fidelity).
 */
export default defineScenario({
  name: 'peak-10am',
  description:
    '1,000 of 10K users get their digest at 10:00, plus normal traffic: 09:45-10:15, at the faithful time scale (auto)',
  seed: 1,
  timeScale: 'auto',
  start: '09:45',
  load: { executor: 'scheduled-peak', duration: '30m', rate: 2, timeUnit: '1s', preAllocatedVUs: 50, maxVUs: 300 },
  population: {
    size: 10_000,
    onboarded: true,
    digestTimes: { peak: '10:00', peakShare: 0.1, spreadFrom: '07:00', spreadTo: '22:00', stepMinutes: 15 },
    pausedShare: 0.02,
  },
  behaviour: { mix: { navigation: 0.55, question: 0.35, settings: 0.1, start: 0 } },
  replies: { deadline: '60s' },
  bot: { transport: 'polling', instances: 1 },
  fakes: { claude: { latency: 'realistic', tier: 'start' } },
  thresholds: {
    reply_latency: ['p(95)<5000'],
    lost_updates: ['count==0'],
    digests_missing: ['count==0'],
    digests_duplicated: ['count==0'],
    digest_lateness: ['p(95)<300000'],
  },
});
