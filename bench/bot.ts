/**
 * Cheap-path throughput of ONE reference-bot webhook instance (`botcap bot`, Postgres sessions on an
 * embedded PostgreSQL) as a ratio to a bare grammY echo bot (bench/echo-bot.ts: webhookCallback on
 * node:http, no database), both driven the same way through the same in-process fake Telegram in the same
 * run; plus each bot's RSS at rest and under load, and its CPU per update.
 *
 * How the load arrives: button presses injected through the fake Telegram and delivered by its webhook
 * (per-chat FIFO, `max_connections` 40 as Telegram), each chat pressing again as soon as the previous
 * press was answered (a closed loop of `chats` users with no think time). Not autocannon POSTing updates
 * at the webhook, because a button press is only handled like in production when Telegram knows the
 * callback query (answerCallbackQuery) and the message it edits (editMessageText); replayed bodies would
 * fail both and measure the error path. Updates/s = presses answered (edit seen by the fake) per second.
 *
 * Run: `npx tsx bench/bot.ts [--duration-s 8] [--chats 100] [--rounds 2]`; writes section `bot` of
 * docs/BENCHMARKS.md.
 */
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { BOT_NODE_FLAGS, BOT_READY_LINE, botProcessCommand } from '../bot/launch.ts';
import { Environment, type ManagedProcess } from '../environment/index.ts';
import { type FakeClaude, startFakeClaude } from '../fakes/claude/index.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.ts';
import { createHistogram, type Histogram, recordValue } from '../loadgen/metrics/histogram.ts';
import { type EchoBot, startEchoBot } from './echo-bot.ts';
import { megabytes, processCpuMs, processRssBytes, sampleRss } from './proc.ts';
import {
  commandLine,
  formatMachine,
  loadAverage,
  type MachineDetails,
  machineDetails,
  REPO_ROOT,
  thousands,
  verdict,
  writeBenchmarkSection,
} from './report-file.ts';

/** How long and how hard each bot is loaded. Every field optional. */
export interface BotBenchOptions {
  /** Measured seconds per bot per round. Default 8. */
  durationS?: number;
  /** Unmeasured seconds before each measurement (JIT, pool connections, sockets). Default 2. */
  warmupS?: number;
  /** Chats pressing buttons in a closed loop; above max_connections (40) so every delivery slot stays busy. Default 100. */
  chats?: number;
  /** Alternating rounds (echo, reference, echo, ...); the best round of each counts. Default 2. */
  rounds?: number;
}

export const BOT_BENCH_DEFAULTS = { durationS: 8, warmupS: 2, chats: 100, rounds: 2 } as const;

/** The targets (issue 3). */
export const BOT_TARGETS = { ratioToEcho: 0.5, rssMb: 150 } as const;

/** The button presses every chat cycles through: each changes the screen, so every edit is a real one
 *  (Telegram refuses an edit that changes nothing). Menu, help, topic list, a topic card (a users query). */
const PRESS_CYCLE = ['h', 'm', 'tl', 'tv:technology', 'tl', 'm'] as const;
const REFERENCE_TOKEN = '700001:BENCH-reference-bot-token-00000000';
const ECHO_TOKEN = '700002:BENCH-bare-echo-bot-token-000000000';
const WEBHOOK_SECRET = 'botcap-bench-webhook-secret';
const FIRST_CHAT_ID = 810_000_001;
const REPLY_TIMEOUT_MS = 10_000;

/** One bot's figures, best round. */
export interface BotFigures {
  bot: string;
  updatesPerS: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Presses without an answer within 10 s (should be 0). */
  unanswered: number;
  /** Bot process CPU (user + system) per update, µs; 10 ms /proc ticks. */
  cpuUsPerUpdate: number;
  /** 1e6 / cpuUsPerUpdate: what one core could handle, robust to the other processes on the machine. */
  oneCoreCapacityPerS: number;
  /** CPU of the benchmark process (fake Telegram + driver) per update, µs: the load's own cost. */
  driverCpuUsPerUpdate: number;
  rssAtRestMb: number;
  rssUnderLoadPeakMb: number;
}

/** Steady RSS of a process that only loads some modules: where a bot's RSS at rest comes from. */
export interface ModuleGraphRss {
  what: string;
  rssMb: number;
}

export interface BotBenchResult {
  options: Required<BotBenchOptions>;
  /** Processes that load modules and idle: where a bot's RSS at rest comes from. */
  moduleGraphs: ModuleGraphRss[];
  echo: BotFigures;
  reference: BotFigures;
  /** reference / echo updates/s. */
  ratio: number;
  /** reference / echo one-core capacity. */
  capacityRatio: number;
}

interface DriveOutcome {
  answered: number;
  unanswered: number;
  /** Press -> edit recorded by the fake, ms (whole ms: the HDR histogram the load generator uses). */
  latency: Histogram;
  cpuMs: number;
  /** CPU of this process (the fake Telegram and the driver) in the window. */
  driverCpuMs: number;
  peakRssBytes: number;
  seconds: number;
}

/**
 * Presses buttons in `chats` chats for warm-up plus duration; counts the answers of the measured part.
 * Each chat waits for the answer (the bot's edit, as recorded by the fake) before pressing again.
 */
async function drive(
  fake: FakeTelegram,
  token: string,
  pid: number | undefined,
  options: Required<BotBenchOptions>,
): Promise<DriveOutcome> {
  const chatIds = Array.from({ length: options.chats }, (_, i) => FIRST_CHAT_ID + i);
  // Each chat needs a bot message with a keyboard to press on: /menu once (also warms the bot's pool).
  await Promise.all(
    chatIds.map(async (chatId) => {
      const update = fake.inject({ kind: 'command', user_id: chatId, command: 'menu', token });
      const reply = await fake.waitForReply({
        chat_id: chatId,
        since_ms: update.injected_ms,
        timeout_ms: REPLY_TIMEOUT_MS,
        token,
      });
      if (reply === null) throw new Error(`the bot did not answer /menu in chat ${chatId} within 10 s`);
    }),
  );
  const startMs = performance.now();
  const measureFromMs = startMs + options.warmupS * 1000;
  const endMs = measureFromMs + options.durationS * 1000;
  let measuring = false;
  const outcome: DriveOutcome = {
    answered: 0,
    unanswered: 0,
    latency: createHistogram(),
    cpuMs: 0,
    driverCpuMs: 0,
    peakRssBytes: 0,
    seconds: 0,
  };
  let sampler: ReturnType<typeof sampleRss> | undefined;
  let cpuBeforeMs = 0;
  let driverCpuBefore = process.cpuUsage();
  const markStart = setTimeout(() => {
    measuring = true;
    sampler = sampleRss(pid, 200);
    driverCpuBefore = process.cpuUsage();
    void processCpuMs(pid).then((ms) => {
      cpuBeforeMs = ms ?? 0;
    });
  }, measureFromMs - performance.now());
  // CPU is read when the window closes, not when the last outstanding press returns.
  const markEnd = setTimeout(() => {
    const driver = process.cpuUsage(driverCpuBefore);
    outcome.driverCpuMs = (driver.user + driver.system) / 1000;
    void processCpuMs(pid).then((ms) => {
      outcome.cpuMs = (ms ?? 0) - cpuBeforeMs;
    });
  }, endMs - performance.now());
  await Promise.all(
    chatIds.map(async (chatId) => {
      // Every chat starts on the menu screen, so the cycle's first press (help) changes it, like each next one.
      for (let press = 0; performance.now() < endMs; press++) {
        const data = PRESS_CYCLE[press % PRESS_CYCLE.length]!;
        const update = fake.inject({ kind: 'callback_query', user_id: chatId, data, token });
        const reply = await fake.waitForReply({
          chat_id: chatId,
          since_ms: update.injected_ms,
          timeout_ms: REPLY_TIMEOUT_MS,
          token,
        });
        if (!measuring || reply === null || reply.time_ms > endMs) {
          if (measuring && reply === null) outcome.unanswered++;
          continue;
        }
        outcome.answered++;
        recordValue(outcome.latency, reply.time_ms - update.injected_ms);
      }
    }),
  );
  clearTimeout(markStart);
  clearTimeout(markEnd);
  outcome.peakRssBytes = sampler?.stop().peakBytes ?? 0;
  outcome.seconds = options.durationS;
  return outcome;
}

function figures(name: string, outcome: DriveOutcome, rssAtRestBytes: number): BotFigures {
  const cpuUsPerUpdate = (outcome.cpuMs * 1000) / Math.max(1, outcome.answered);
  return {
    bot: name,
    updatesPerS: Math.round(outcome.answered / outcome.seconds),
    latencyP50Ms: outcome.latency.getValueAtPercentile(50),
    latencyP99Ms: outcome.latency.getValueAtPercentile(99),
    unanswered: outcome.unanswered,
    cpuUsPerUpdate: Math.round(cpuUsPerUpdate),
    oneCoreCapacityPerS: cpuUsPerUpdate > 0 ? Math.round(1e6 / cpuUsPerUpdate) : 0,
    driverCpuUsPerUpdate: Math.round((outcome.driverCpuMs * 1000) / Math.max(1, outcome.answered)),
    rssAtRestMb: megabytes(rssAtRestBytes),
    rssUnderLoadPeakMb: megabytes(Math.max(outcome.peakRssBytes, rssAtRestBytes)),
  };
}

async function startReferenceBot(
  env: Environment,
  telegram: FakeTelegram,
  claude: FakeClaude,
): Promise<ManagedProcess> {
  return env.startProcess({
    name: 'reference-bot',
    // As the load generator starts it: `node <heap flags> bin/botcap.js bot`.
    ...botProcessCommand(),
    env: {
      BOT_TOKEN: REFERENCE_TOKEN,
      TELEGRAM_API_ROOT: telegram.url,
      ANTHROPIC_BASE_URL: claude.url,
      ANTHROPIC_API_KEY: 'sk-ant-bench',
      DATABASE_URL: env.databaseUrl,
      WEBHOOK_SECRET,
      BOTCAP_TELEGRAM_TRANSPORT: 'webhook',
      BOTCAP_TELEGRAM_WEBHOOK_PORT: '0',
      // As `botcap run` starts its bots: info logs per update would be measured as bot cost.
      BOTCAP_OBSERVABILITY_LOG_LEVEL: 'warn',
    },
    secrets: [REFERENCE_TOKEN, WEBHOOK_SECRET],
    ready: { kind: 'line', pattern: BOT_READY_LINE },
    readyTimeoutMs: 60_000,
  });
}

interface ModuleGraph {
  what: string;
  /** node's own flags, e.g. `--import tsx`. */
  nodeArgs: readonly string[];
  /** ES module code run from the repository root; the probe reads RSS once it has run. */
  code: string;
}

const TSX = ['--import', import.meta.resolve('tsx')] as const;
/** What bin/botcap.js does for `botcap bot`: import the bundle of the bot's modules, without running it. */
const IMPORT_BOT_BUNDLE =
  "const { prebuiltEntry } = await import('./bin/prebuilt.js'); await import(await prebuiltEntry('cli/bot-main.ts'));";

/** What the module-graph probes load. */
const MODULE_GRAPHS: readonly ModuleGraph[] = [
  { what: 'node, nothing imported', nodeArgs: [], code: '' },
  { what: 'node + tsx, nothing imported', nodeArgs: TSX, code: '' },
  { what: 'node + tsx + grammy (the echo bot)', nodeArgs: TSX, code: "await import('grammy');" },
  {
    what: 'node + tsx + cli/program.ts (every command: how `botcap bot` used to start)',
    nodeArgs: TSX,
    code: "await import('./cli/program.ts');",
  },
  {
    what: 'node + tsx + cli/bot-main.ts (the bot command only, through tsx)',
    nodeArgs: TSX,
    code: "await import('./cli/bot-main.ts');",
  },
  {
    what: `node ${BOT_NODE_FLAGS.join(' ')} + the bundle of cli/bot-main.ts (how \`botcap bot\` starts)`,
    nodeArgs: BOT_NODE_FLAGS,
    code: IMPORT_BOT_BUNDLE,
  },
];

/**
 * Starts node running `graph.code`, lets it settle for a second, and reads its RSS: the fixed cost of a process
 * before it does any work.
 */
async function moduleGraphRss(graph: ModuleGraph): Promise<ModuleGraphRss> {
  const { what } = graph;
  const child = spawn(
    process.execPath,
    [
      ...graph.nodeArgs,
      '--input-type=module',
      '-e',
      `${graph.code} console.log('loaded'); setInterval(() => {}, 1000);`,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: not loaded within 30 s`)), 30_000);
      child.stdout?.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => reject(new Error(`${what}: exited with ${code}`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return { what, rssMb: megabytes((await processRssBytes(child.pid)) ?? 0) };
  } finally {
    child.kill('SIGKILL');
  }
}

/**
 * Starts Postgres, the fakes, the reference bot and the echo bot; measures both in alternating rounds;
 * tears everything down.
 *
 * @example
 * const result = await runBotBenchmark({ durationS: 5 });
 * result.ratio // e.g. 0.62
 */
export async function runBotBenchmark(options: BotBenchOptions = {}): Promise<BotBenchResult> {
  const resolved: Required<BotBenchOptions> = {
    durationS: options.durationS ?? BOT_BENCH_DEFAULTS.durationS,
    warmupS: options.warmupS ?? BOT_BENCH_DEFAULTS.warmupS,
    chats: options.chats ?? BOT_BENCH_DEFAULTS.chats,
    rounds: options.rounds ?? BOT_BENCH_DEFAULTS.rounds,
  };
  const moduleGraphs: ModuleGraphRss[] = [];
  for (const graph of MODULE_GRAPHS) moduleGraphs.push(await moduleGraphRss(graph));
  const env = await Environment.start({ maxConnections: 100 });
  let telegram: FakeTelegram | undefined;
  let claude: FakeClaude | undefined;
  let echo: EchoBot | undefined;
  try {
    telegram = await startFakeTelegram({ tokens: [REFERENCE_TOKEN, ECHO_TOKEN], floodControl: false });
    claude = await startFakeClaude({ latency: 'zero' });
    const reference = await startReferenceBot(env, telegram, claude);
    echo = await startEchoBot({
      token: ECHO_TOKEN,
      telegramApiRoot: telegram.url,
      webhookSecret: WEBHOOK_SECRET,
      start: (spec) => env.startProcess(spec),
    });
    // At rest: started, webhook registered, no update handled yet.
    const referenceRest = (await processRssBytes(reference.pid)) ?? 0;
    const echoRest = (await processRssBytes(echo.process.pid)) ?? 0;

    let bestEcho: BotFigures | undefined;
    let bestReference: BotFigures | undefined;
    for (let round = 0; round < resolved.rounds; round++) {
      process.stderr.write(`bench: round ${round + 1}/${resolved.rounds}: echo bot ...\n`);
      const echoRound = figures(
        'bare grammY echo bot (webhookCallback, no DB)',
        await drive(telegram, ECHO_TOKEN, echo.process.pid, resolved),
        echoRest,
      );
      if (bestEcho === undefined || echoRound.updatesPerS > bestEcho.updatesPerS) bestEcho = echoRound;
      process.stderr.write(`bench: round ${round + 1}/${resolved.rounds}: reference bot ...\n`);
      const referenceRound = figures(
        'reference bot (`botcap bot`, webhook, Postgres sessions)',
        await drive(telegram, REFERENCE_TOKEN, reference.pid, resolved),
        referenceRest,
      );
      if (bestReference === undefined || referenceRound.updatesPerS > bestReference.updatesPerS)
        bestReference = referenceRound;
      // The peak under load is the highest of all rounds, not only of the best one.
      bestReference.rssUnderLoadPeakMb = Math.max(bestReference.rssUnderLoadPeakMb, referenceRound.rssUnderLoadPeakMb);
      bestEcho.rssUnderLoadPeakMb = Math.max(bestEcho.rssUnderLoadPeakMb, echoRound.rssUnderLoadPeakMb);
    }
    if (bestEcho === undefined || bestReference === undefined) throw new RangeError('rounds must be at least 1');
    return {
      options: resolved,
      moduleGraphs,
      echo: bestEcho,
      reference: bestReference,
      ratio: bestReference.updatesPerS / Math.max(1, bestEcho.updatesPerS),
      capacityRatio: bestReference.oneCoreCapacityPerS / Math.max(1, bestEcho.oneCoreCapacityPerS),
    };
  } finally {
    await echo?.process.stop();
    await env.stop();
    await telegram?.close();
    await claude?.close();
  }
}

/** The figures as Markdown (pure). */
export function formatBotBenchmark(
  result: BotBenchResult,
  run: { machine: MachineDetails; command: string; loadBefore: readonly number[]; loadAfter: readonly number[] },
): string {
  const { reference, echo } = result;
  const row = (f: BotFigures) =>
    `| ${f.bot} | ${thousands(f.updatesPerS)} | ${f.cpuUsPerUpdate} | ${thousands(f.oneCoreCapacityPerS)} | ${f.driverCpuUsPerUpdate} | ${f.latencyP50Ms} | ${f.latencyP99Ms} | ${f.unanswered} | ${f.rssAtRestMb} | ${f.rssUnderLoadPeakMb} |`;
  const rssMax = Math.max(reference.rssAtRestMb, reference.rssUnderLoadPeakMb);
  return [
    '## Reference bot: cheap-path throughput of one webhook instance',
    '',
    formatMachine(run.machine, run),
    '',
    '| bot | updates/s | bot CPU µs/update | one-core capacity/s | fake + driver CPU µs/update | p50 ms | p99 ms | unanswered | RSS at rest MB | RSS under load (peak) MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    row(echo),
    row(reference),
    '',
    `Load: ${result.options.chats} chats pressing inline buttons (menu, help, topic list, a topic card) in a closed loop ` +
      'with no think time, injected through the in-process fake Telegram and delivered by its webhook ' +
      '(max_connections 40, per-chat FIFO, secret header), so both bots get exactly the updates Telegram would send. ' +
      'Not autocannon at the webhook: a replayed callback query is unknown to the fake, so answerCallbackQuery and ' +
      'editMessageText would fail and the error path would be measured. An update counts when its edit is recorded by the fake. ' +
      `Best of ${result.options.rounds} alternating rounds of ${result.options.durationS} s after ${result.options.warmupS} s warm-up; ` +
      'both bots in their own process, Postgres (embedded, max_connections 100) in its own, the fake and the driver in the benchmark process. ' +
      'The reference bot runs at its defaults (pool max 10, scheduler on) with log level warn and its heap flags, as `botcap run` starts it.',
    '',
    `Targets (issue 3): >= ${BOT_TARGETS.ratioToEcho * 100}% of the bare echo bot's updates/s; < ${BOT_TARGETS.rssMb} MB RSS per instance.`,
    '',
    `- Throughput ratio ${(result.ratio * 100).toFixed(0)}% measured: ${verdict(result.ratio >= BOT_TARGETS.ratioToEcho)}; ` +
      `${(result.capacityRatio * 100).toFixed(0)}% by bot CPU per update (one-core capacity): ${verdict(result.capacityRatio >= BOT_TARGETS.ratioToEcho)}.`,
    `- RSS ${reference.rssAtRestMb} MB at rest, ${reference.rssUnderLoadPeakMb} MB peak under load: ${verdict(rssMax < BOT_TARGETS.rssMb)}.`,
    `- On ${run.machine.cores} cores the bot shares the CPU with Postgres, the fake and the driver, so measured updates/s is ` +
      "below a dedicated core's; the CPU-cost ratio is the steadier figure.",
    '',
    'Where the RSS at rest comes from: processes that only load modules and idle, measured in the same run. ' +
      '`botcap bot` runs from an esbuild bundle of its own modules (bin/prebuilt.js, rebuilt whenever a source changes), ' +
      "so without tsx's module-loader thread, and loads no other command's modules; " +
      `its spawners add the heap flags \`${BOT_NODE_FLAGS.join(' ')}\` (bot/launch.ts), which bound its growth under load:`,
    '',
    '| process | RSS MB |',
    '| --- | ---: |',
    ...result.moduleGraphs.map((g) => `| ${g.what} | ${g.rssMb} |`),
  ].join('\n');
}

function flag(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : Number(process.argv[index + 1]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const machine = await machineDetails();
  const command = commandLine();
  const loadBefore = loadAverage();
  const result = await runBotBenchmark({
    durationS: flag('duration-s'),
    chats: flag('chats'),
    rounds: flag('rounds'),
  });
  const section = formatBotBenchmark(result, { machine, command, loadBefore, loadAfter: loadAverage() });
  await writeBenchmarkSection('bot', section);
  process.stdout.write(`${section}\n`);
}
