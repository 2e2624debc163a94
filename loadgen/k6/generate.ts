import { unreachable } from '../../common/unreachable.ts';
import type { Scenario } from '../../scenarios/schema.ts';
import { formatDuration } from '../../scenarios/units.ts';
import { USER_ID_BASE } from '../population/population.ts';

/** Metrics the generated script records itself, with the k6 type each is declared as. */
export const K6_METRICS = {
  reply_latency: 'Trend',
  lost_updates: 'Counter',
  updates_injected: 'Counter',
  failed_updates: 'Rate',
} as const;

export interface K6ScriptOptions {
  /** `ts` for k6 >= 0.57 (runs TypeScript natively, and the project's typecheck covers it) or `js`. Default `js`. */
  language?: 'js' | 'ts';
  /**
   * Simulated seconds per real second the script plays the scenario at: durations, rates and think times are
   * divided by it and latencies multiplied back, so thresholds keep their simulated-ms meaning. Default 1
   * (real time, as a staging deployment runs).
   */
  timeScale?: number;
  /** Fake Telegram URL used when `FAKE_TELEGRAM_URL` is not set. Default `http://localhost:8081`. */
  defaultFakeUrl?: string;
}

export const K6_SCRIPT_DEFAULTS = { language: 'js', timeScale: 1, defaultFakeUrl: 'http://localhost:8081' } as const;

/** Questions the VUs ask, in the population's two languages (a small fixed set: k6 has no faker). */
const QUESTIONS = [
  'Привет! Что нового в технологиях?',
  'Объясни, пожалуйста, как работает инфляция простыми словами',
  'Какие главные новости науки за неделю?',
  'Hi! What happened in tech this week?',
  'Explain how interest rates affect mortgages',
];

/** The scenario's executor in k6's own terms, durations and rates converted to real time. */
export function k6Executor(scenario: Scenario, timeScale: number): Record<string, unknown> {
  const d = (ms: number) => formatDuration(Math.max(1, Math.round(ms / timeScale)));
  const load = scenario.load;
  const stages = 'stages' in load ? load.stages.map((s) => ({ duration: d(s.duration), target: s.target })) : [];
  switch (load.executor) {
    case 'constant-vus':
      return { executor: 'constant-vus', vus: load.vus, duration: d(load.duration) };
    case 'ramping-vus':
      return {
        executor: 'ramping-vus',
        startVUs: load.startVUs,
        stages,
        gracefulRampDown: d(load.gracefulRampDown),
      };
    case 'constant-arrival-rate':
    case 'scheduled-peak':
      // scheduled-peak: the digests come from the bot's own scheduler; k6 plays the traffic around them.
      return {
        executor: 'constant-arrival-rate',
        rate: load.rate,
        timeUnit: d(load.timeUnit),
        duration: d(load.duration),
        preAllocatedVUs: load.preAllocatedVUs,
        maxVUs: load.maxVUs ?? load.preAllocatedVUs,
      };
    case 'ramping-arrival-rate':
      return {
        executor: 'ramping-arrival-rate',
        startRate: load.startRate,
        timeUnit: d(load.timeUnit),
        stages,
        preAllocatedVUs: load.preAllocatedVUs,
        maxVUs: load.maxVUs ?? load.preAllocatedVUs,
      };
    default:
      return unreachable(load);
  }
}

/** The scenario's thresholds the script can check (its own metrics), and the ones only a botcap run can. */
export function k6Thresholds(scenario: Scenario): { kept: Record<string, string[]>; dropped: string[] } {
  const kept: Record<string, string[]> = {};
  const dropped: string[] = [];
  for (const [metric, expressions] of Object.entries(scenario.thresholds)) {
    if (metric in K6_METRICS) kept[metric] = [...expressions];
    else dropped.push(metric);
  }
  return { kept, dropped };
}

/**
 * A k6 script with the scenario's arrival model (k6 executors and stages), action mix, think times and
 * thresholds, driving a bot through the fake Telegram's control API (`POST /control/updates`,
 * `POST /control/wait-reply`) with k6's `http` module - for k6's distributed runners against a staging bot
 * pointed at fakes deployed from docker-compose.yml. Latency is measured from each update's injection to the
 * bot's reply as the fake recorded it (both on the fake's clock), so the network to the runner does not count.
 *
 * @example
 * writeFileSync('smoke.k6.js', generateK6Script(await loadScenario('smoke')));
 * // k6 run -e FAKE_TELEGRAM_URL=http://fakes:8081 smoke.k6.js
 */
export function generateK6Script(scenario: Scenario, options: K6ScriptOptions = {}): string {
  const ts = (options.language ?? K6_SCRIPT_DEFAULTS.language) === 'ts';
  const t = (annotation: string) => (ts ? annotation : '');
  const timeScale = options.timeScale ?? K6_SCRIPT_DEFAULTS.timeScale;
  const fakeUrl = options.defaultFakeUrl ?? K6_SCRIPT_DEFAULTS.defaultFakeUrl;
  const { kept, dropped } = k6Thresholds(scenario);
  const { behaviour, population, replies } = scenario;
  const json = (value: unknown) => JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
  const closed = scenario.load.executor === 'constant-vus' || scenario.load.executor === 'ramping-vus';
  const droppedNote =
    dropped.length === 0
      ? ''
      : `\n// Not checked here (only a botcap run measures them; use \`botcap gate\` on its result): ${dropped.join(', ')}.`;
  return `${ts ? '/// <reference types="k6" />\n' : ''}// Generated by \`botcap export-k6 ${scenario.name}\` - do not edit; regenerate instead.
// Scenario: ${scenario.description || scenario.name}
// Played at ${timeScale}x: durations, rates and think times are divided by it, latencies multiplied back,
// so thresholds read in the scenario's simulated milliseconds.${droppedNote}
//
//   k6 run -e FAKE_TELEGRAM_URL=http://<fakes host>:8081 ${scenario.name}.k6.${ts ? 'ts' : 'js'}
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';

const FAKE = (__ENV.FAKE_TELEGRAM_URL || '${fakeUrl}').replace(/\\/$/, '');
const TIME_SCALE = ${timeScale};
const POPULATION = ${population.size};
const USER_ID_BASE = ${USER_ID_BASE};
const DEADLINE_MS = ${replies.deadline};
const MIX = ${JSON.stringify(behaviour.mix)};
const THINK = ${JSON.stringify({ distribution: behaviour.thinkTime.distribution, medianMs: behaviour.thinkTime.median, p95Ms: behaviour.thinkTime.p95 })};
const CONVERSATION = ${JSON.stringify(behaviour.conversationLength)};
const COMMANDS = ${JSON.stringify(behaviour.commands)};
const QUESTIONS = ${JSON.stringify(QUESTIONS)};
const JSON_HEADERS = { headers: { 'content-type': 'application/json' } };

const replyLatency = new Trend('reply_latency', true);
const lostUpdates = new Counter('lost_updates');
const updatesInjected = new Counter('updates_injected');
const failedUpdates = new Rate('failed_updates');

export const options = {
  scenarios: {
    ${JSON.stringify(scenario.name)}: ${json(k6Executor(scenario, timeScale)).replace(/\n {2}/g, '\n    ')},
  },
  thresholds: ${json(kept)},
};
${
  ts
    ? `
interface UpdateRecord {
  update_id: number;
  injected_ms: number;
}
interface CallRecord {
  time_ms: number;
}
interface Envelope<T> {
  ok: boolean;
  result: T;
}
type Action = keyof typeof MIX;
`
    : ''
}
function post${t('<T>')}(path${t(': string')}, body${t(': unknown')})${t(': T | null')} {
  const res = http.post(\`\${FAKE}\${path}\`, JSON.stringify(body), JSON_HEADERS);
  if (res.status !== 200 || typeof res.body !== 'string') return null;
  return (JSON.parse(res.body)${t(' as Envelope<T>')}).result;
}

function weighted()${t(': Action')} {
  const entries = Object.entries(MIX)${t(' as Array<[Action, number]>')};
  let r = Math.random() * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [action, w] of entries) {
    r -= w;
    if (r < 0) return action;
  }
  return entries[0]${t('!')}[0];
}

/** Think time in real seconds: lognormal from median and p95 (or exponential / constant), divided by the scale. */
function thinkS()${t(': number')} {
  let ms = THINK.medianMs;
  if (THINK.distribution === 'lognormal') {
    const sigma = Math.log(Math.max(THINK.p95Ms, THINK.medianMs + 1) / THINK.medianMs) / 1.645;
    const z = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
    ms = THINK.medianMs * Math.exp(sigma * z);
  } else if (THINK.distribution === 'exponential') {
    ms = (-Math.log(1 - Math.random()) * THINK.medianMs) / Math.LN2;
  }
  return ms / TIME_SCALE / 1000;
}

function conversationLength()${t(': number')} {
  if (CONVERSATION.distribution === 'constant') return Math.round(CONVERSATION.mean);
  let n = 1;
  while (n < CONVERSATION.max && Math.random() > 1 / CONVERSATION.mean) n++;
  return n;
}

/** One action as a Telegram update, then the wait for the bot's reply on the fake. */
function act(userId${t(': number')}, action${t(': Action')})${t(': void')} {
  const base = { user_id: userId, first_name: 'k6', language_code: userId % 5 === 0 ? 'en' : 'ru' };
  let update${t(': Record<string, unknown>')};
  if (action === 'question') update = { ...base, kind: 'message', text: QUESTIONS[userId % QUESTIONS.length] };
  else if (action === 'start') update = { ...base, kind: 'command', command: COMMANDS.start };
  else if (action === 'settings') update = { ...base, kind: 'command', command: COMMANDS.settings };
  else update = { ...base, kind: 'command', command: COMMANDS.menu };
  const record = post${t('<UpdateRecord>')}('/control/updates', update);
  if (record === null) {
    failedUpdates.add(true);
    return;
  }
  updatesInjected.add(1);
  const reply = post${t('<CallRecord | null>')}('/control/wait-reply', {
    chat_id: userId,
    since_ms: record.injected_ms,
    timeout_ms: Math.min(120000, Math.ceil(DEADLINE_MS / TIME_SCALE)),
  });
  check(reply, { 'bot replied': (r) => r !== null });
  if (reply === null || reply === undefined) {
    lostUpdates.add(1);
    failedUpdates.add(true);
    return;
  }
  failedUpdates.add(false);
  replyLatency.add((reply.time_ms - record.injected_ms) * TIME_SCALE);
}

export default function ()${t(': void')} {
  ${
    closed
      ? `// Closed model: each VU plays whole conversations with think time, as a user does.
  const userId = USER_ID_BASE + ((exec.vu.idInTest - 1 + exec.vu.iterationInScenario * 7919) % POPULATION);
  for (let step = conversationLength(); step > 0; step--) {
    act(userId, weighted());
    sleep(thinkS());
  }`
      : `// Open model: one arrival, one action, no think time (k6 starts iterations at the rate).
  const userId = USER_ID_BASE + (exec.scenario.iterationInTest % POPULATION);
  act(userId, weighted());`
  }
}
`;
}
