import type { ScenarioInput } from '../schema.ts';
import type { MatrixDefinition, MatrixSize, MatrixVariant } from './types.ts';

/**
 * Where does conversation state live once the bot runs as several webhook instances? A fresh population
 * signs up at once through three webhook instances; the onboarding dialog (name, topic, time) spans several
 * updates, and its step is in the session. Behind a round-robin balancer a chat's next update lands on any
 * instance, so the session storage decides whether that instance knows the dialog: `memory` (aiogram's and
 * grammY's default) does not, Postgres and Redis do. A chat-affinity balancer keeps a chat on one instance,
 * which hides memory's problem until an instance dies and its chats move.
 *
 * Broken flows are read from the database by the bot's `bot_users_onboarding_unfinished` gauge (users who
 * sent /start and never booked a time), at the end of the run when every sign-up had time to finish. The run
 * ends before 10:00 so no digest is owed, and Claude stays idle.
 * Sizes (issue 11, fidelity first): default 20 users signing up over 2 simulated minutes at 1x, five
 * variants; quick 60 users at 30x. The first default run had 200 users at 30x: p95 replies of 30-50 simulated s
 * and lost updates in every storage (the machine, not the storage, was the limit).
 *
 * Why 1x and not `auto`: once neither shared storage breaks a flow, the p95 onboarding step ranks them, and
 * that figure moved with the scale by more than the fidelity estimate allows for (every sign-up arrives at
 * once and queues; see loadgen/fidelity/estimate.ts). Measured (`node bin/botcap.js run` of the postgres,
 * round-robin variant, seed 1, 2-core AMD EPYC, nothing else running, 2026-12-06, commit 90c2739): p95
 * onboarding step 439 ms at 1.5x (the committed run's scale; estimate 45 ms, ok) and 272 ms at 1x (28 ms).
 */
const SIZES: Record<MatrixSize, { users: number; runMs: number; timeScale: number | 'auto' }> = {
  default: { users: 20, runMs: 2 * 60_000, timeScale: 1 },
  quick: { users: 60, runMs: 3 * 60_000, timeScale: 30 },
};

function base(size: MatrixSize): ScenarioInput {
  const s = SIZES[size];
  return {
    name: 'matrix-sessions',
    description: 'sessions matrix: every user signs up at once through three webhook instances',
    seed: 1,
    timeScale: s.timeScale,
    start: '09:00',
    load: { executor: 'ramping-vus', startVUs: s.users, stages: [{ duration: s.runMs, target: s.users }] },
    population: { size: s.users, onboarded: false },
    behaviour: {
      mix: { navigation: 0.7, question: 0, settings: 0.3, start: 0 },
      thinkTime: { distribution: 'lognormal', median: '2s', p95: '8s' },
    },
    replies: { deadline: '60s' },
    bot: { transport: 'webhook', instances: 3 },
    fakes: { claude: { latency: 'realistic', tier: 'start' } },
  };
}

function storage(
  kind: 'postgres' | 'memory' | 'redis',
  affinity: 'none' | 'chat',
  quick: boolean,
  killed = false,
): MatrixVariant {
  const balancer = affinity === 'chat' ? 'chat affinity' : 'round-robin';
  return {
    label: `${kind}, ${balancer}${killed ? ', one instance killed' : ''}`,
    patch: {
      bot: { balancerAffinity: affinity, config: { session: { storage: kind } } },
      ...(kind === 'redis' ? { environment: { redis: true } } : {}),
    },
    ...(killed ? { kill: { fraction: 0.2 } } : {}),
    quick,
  };
}

export const sessions: MatrixDefinition = {
  name: 'sessions',
  question: 'Where does conversation state live with several webhook instances?',
  base,
  budgetRealS: { default: 660, quick: 34 },
  variants: [
    storage('memory', 'none', true),
    storage('postgres', 'none', true),
    storage('redis', 'none', false),
    storage('memory', 'chat', false),
    storage('memory', 'chat', false, true),
  ],
};
