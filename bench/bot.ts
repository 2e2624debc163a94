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
 * Method (bench/proc.ts): both bots pinned to the under-test core, this process (fake Telegram, driver) and
 * Postgres to the driver core; alternating rounds, figures as median (min-max); the verdict from the ratio of
 * median CPU per update, each bot's own /proc accounting.
 *
 * Run: `npx tsx bench/bot.ts [--duration-s 8] [--chats 100] [--rounds 5] [--quick] [--cpu-prof-dir <dir>]`;
 * writes section `bot` of docs/BENCHMARKS.md. `--cpu-prof-dir` runs the reference bot under `node --cpu-prof`
 * and leaves its profile there (open it in Chrome DevTools or speedscope).
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BOT_NODE_FLAGS, BOT_READY_LINE, botProcessCommand } from '../bot/launch.ts';
import { Environment, type ManagedProcess } from '../environment/index.ts';
import { type FakeClaude, startFakeClaude } from '../fakes/claude/index.ts';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.ts';
import { createHistogram, type Histogram, recordValue } from '../loadgen/metrics/histogram.ts';
import { benchCommandLine, QUICK_FLAG } from './args.ts';
import { BOT_STAGES, type CpuProfile, formatStages, profileStages, type StageShare } from './cpu-profile.ts';
import { type EchoBot, startEchoBot } from './echo-bot.ts';
import {
  BENCH_METHOD_DEFAULTS,
  formatSpread,
  judge,
  megabytes,
  pinToCpu,
  processCpuMs,
  processRssBytes,
  type Spread,
  sampleRss,
  summarize,
} from './proc.ts';
import { type BenchRun, benchRun, formatRun, REPO_ROOT, thousands, writeBenchmarkSection } from './report-file.ts';

/** How long and how hard each bot is loaded. Every field optional. */
export interface BotBenchOptions {
  /** Measured seconds per bot per round. Default 8. */
  durationS?: number;
  /** Unmeasured seconds before each measurement (JIT, pool connections, sockets). Default 2. */
  warmupS?: number;
  /** Chats pressing buttons in a closed loop; above max_connections (40) so every delivery slot stays busy. Default 100. */
  chats?: number;
  /** Alternating rounds (echo, reference, echo, ...); each figure is the median of its rounds. Default 5. */
  rounds?: number;
  /** Run the reference bot under `node --cpu-prof`, writing its profile to this directory when it stops. */
  cpuProfDir?: string;
}

export const BOT_BENCH_DEFAULTS = {
  durationS: 8,
  warmupS: 2,
  chats: 100,
  rounds: BENCH_METHOD_DEFAULTS.repeats,
  cpuProfDir: '',
} as const;

/** What `--quick` shortens to: a smoke run of the method, not figures to commit. */
export const BOT_BENCH_QUICK = { durationS: 3, warmupS: 1, rounds: BENCH_METHOD_DEFAULTS.quickRepeats } as const;

/** The issues' targets (3, 16): CPU per update against the echo bot's, and RSS. */
export const BOT_TARGETS = { ratioToEcho: 0.5, ratioToEchoGoal: 0.8, rssMb: 150 } as const;

/** The button presses every chat cycles through: each changes the screen, so every edit is a real one
 *  (Telegram refuses an edit that changes nothing). Menu, help, topic list, a topic card (a users query). */
const PRESS_CYCLE = ['h', 'm', 'tl', 'tv:technology', 'tl', 'm'] as const;
const REFERENCE_TOKEN = '700001:BENCH-reference-bot-token-00000000';
const ECHO_TOKEN = '700002:BENCH-bare-echo-bot-token-000000000';
const WEBHOOK_SECRET = 'botcap-bench-webhook-secret';
const FIRST_CHAT_ID = 810_000_001;
const REPLY_TIMEOUT_MS = 10_000;

/** One bot's figures: medians of its rounds. */
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
  cpuUsSpread: Spread;
  updatesPerSSpread: Spread;
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
  /** reference / echo updates/s (medians). */
  ratio: number;
  /** echo / reference CPU per update (medians): the verdict's figure. */
  capacityRatio: number;
  /** Whether both bots ran pinned to the under-test core. */
  pinned: boolean;
  /** With `cpuProfDir`: the reference bot's busy CPU by stage, from its profile. */
  stages?: StageShare[];
}

/** The newest `.cpuprofile` in `dir`, parsed. */
async function newestProfile(dir: string): Promise<CpuProfile> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length === 0)
    throw new Error(`--cpu-prof-dir ${dir}: the bot wrote no .cpuprofile there (did it exit cleanly?)`);
  const dated = await Promise.all(files.map(async (name) => ({ name, ms: (await stat(join(dir, name))).mtimeMs })));
  const newest = dated.sort((a, b) => b.ms - a.ms)[0]!.name;
  return JSON.parse(await readFile(join(dir, newest), 'utf8')) as CpuProfile;
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

/** A bot's figures from its rounds: medians, latency from the round nearest the median CPU, the highest RSS. */
function figures(name: string, outcomes: readonly DriveOutcome[], rssAtRestBytes: number): BotFigures {
  const cpuUs = outcomes.map((o) => (o.cpuMs * 1000) / Math.max(1, o.answered));
  const cpuUsSpread = summarize(cpuUs);
  const updatesPerSSpread = summarize(outcomes.map((o) => o.answered / o.seconds));
  let typical = 0;
  for (let i = 1; i < cpuUs.length; i++) {
    if (Math.abs(cpuUs[i]! - cpuUsSpread.median) < Math.abs(cpuUs[typical]! - cpuUsSpread.median)) typical = i;
  }
  const driverCpuUs = summarize(outcomes.map((o) => (o.driverCpuMs * 1000) / Math.max(1, o.answered)));
  return {
    bot: name,
    updatesPerS: Math.round(updatesPerSSpread.median),
    latencyP50Ms: outcomes[typical]!.latency.getValueAtPercentile(50),
    latencyP99Ms: outcomes[typical]!.latency.getValueAtPercentile(99),
    unanswered: outcomes.reduce((sum, o) => sum + o.unanswered, 0),
    cpuUsPerUpdate: Math.round(cpuUsSpread.median),
    oneCoreCapacityPerS: cpuUsSpread.median > 0 ? Math.round(1e6 / cpuUsSpread.median) : 0,
    driverCpuUsPerUpdate: Math.round(driverCpuUs.median),
    rssAtRestMb: megabytes(rssAtRestBytes),
    rssUnderLoadPeakMb: megabytes(Math.max(rssAtRestBytes, ...outcomes.map((o) => o.peakRssBytes))),
    cpuUsSpread,
    updatesPerSSpread,
  };
}

async function startReferenceBot(
  env: Environment,
  telegram: FakeTelegram,
  claude: FakeClaude,
  cpuProfDir: string,
): Promise<ManagedProcess> {
  const command = botProcessCommand();
  return env.startProcess({
    name: 'reference-bot',
    // As the load generator starts it: `node <heap flags> bin/botcap.js bot`.
    ...command,
    args: cpuProfDir === '' ? command.args : ['--cpu-prof', '--cpu-prof-dir', cpuProfDir, ...command.args],
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
    cpuProfDir: options.cpuProfDir ?? BOT_BENCH_DEFAULTS.cpuProfDir,
  };
  const moduleGraphs: ModuleGraphRss[] = [];
  for (const graph of MODULE_GRAPHS) moduleGraphs.push(await moduleGraphRss(graph));
  // Postgres, the fakes and the driver share the driver core (children inherit it); the bots get the other.
  await pinToCpu(process.pid, BENCH_METHOD_DEFAULTS.driverCpu);
  const env = await Environment.start({ maxConnections: 100 });
  let telegram: FakeTelegram | undefined;
  let claude: FakeClaude | undefined;
  let echo: EchoBot | undefined;
  try {
    telegram = await startFakeTelegram({ tokens: [REFERENCE_TOKEN, ECHO_TOKEN], floodControl: false });
    claude = await startFakeClaude({ latency: 'zero' });
    const reference = await startReferenceBot(env, telegram, claude, resolved.cpuProfDir);
    echo = await startEchoBot({
      token: ECHO_TOKEN,
      telegramApiRoot: telegram.url,
      webhookSecret: WEBHOOK_SECRET,
      start: (spec) => env.startProcess(spec),
    });
    const pinned =
      (await pinToCpu(reference.pid, BENCH_METHOD_DEFAULTS.underTestCpu)) &&
      (await pinToCpu(echo.process.pid, BENCH_METHOD_DEFAULTS.underTestCpu));
    const stopReference = () => reference.stop();
    // At rest: started, webhook registered, no update handled yet.
    const referenceRest = (await processRssBytes(reference.pid)) ?? 0;
    const echoRest = (await processRssBytes(echo.process.pid)) ?? 0;

    const echoRounds: DriveOutcome[] = [];
    const referenceRounds: DriveOutcome[] = [];
    for (let round = 0; round < resolved.rounds; round++) {
      process.stderr.write(`bench: round ${round + 1}/${resolved.rounds}: echo bot ...\n`);
      echoRounds.push(await drive(telegram, ECHO_TOKEN, echo.process.pid, resolved));
      process.stderr.write(`bench: round ${round + 1}/${resolved.rounds}: reference bot ...\n`);
      referenceRounds.push(await drive(telegram, REFERENCE_TOKEN, reference.pid, resolved));
    }
    if (echoRounds.length === 0) throw new RangeError('rounds must be at least 1');
    const echoFigures = figures('bare grammY echo bot (webhookCallback, no DB)', echoRounds, echoRest);
    const referenceFigures = figures(
      'reference bot (`botcap bot`, webhook, Postgres sessions)',
      referenceRounds,
      referenceRest,
    );
    // The profile is written when the bot exits.
    if (resolved.cpuProfDir !== '') await stopReference();
    return {
      options: resolved,
      moduleGraphs,
      echo: echoFigures,
      reference: referenceFigures,
      ...(resolved.cpuProfDir === ''
        ? {}
        : { stages: profileStages(await newestProfile(resolved.cpuProfDir), BOT_STAGES) }),
      ratio: referenceFigures.updatesPerSSpread.median / Math.max(1, echoFigures.updatesPerSSpread.median),
      capacityRatio: echoFigures.cpuUsSpread.median / Math.max(1e-9, referenceFigures.cpuUsSpread.median),
      pinned,
    };
  } finally {
    await echo?.process.stop();
    await env.stop();
    await telegram?.close();
    await claude?.close();
  }
}

/** The figures as Markdown (pure). */
export function formatBotBenchmark(result: BotBenchResult, run: BenchRun): string {
  const { reference, echo } = result;
  const row = (f: BotFigures) =>
    `| ${f.bot} | ${formatSpread(f.updatesPerSSpread)} | ${formatSpread(f.cpuUsSpread)} | ${thousands(f.oneCoreCapacityPerS)} | ${f.driverCpuUsPerUpdate} | ${f.latencyP50Ms} | ${f.latencyP99Ms} | ${f.unanswered} | ${f.rssAtRestMb} | ${f.rssUnderLoadPeakMb} |`;
  const rssMax = Math.max(reference.rssAtRestMb, reference.rssUnderLoadPeakMb);
  return [
    '## Reference bot: cheap-path throughput of one webhook instance',
    '',
    formatRun(run, { pinned: result.pinned, repeats: result.options.rounds }),
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
      `${result.options.rounds} alternating rounds of ${result.options.durationS} s after ${result.options.warmupS} s warm-up, figures as median (min-max) of the rounds; ` +
      'both bots in their own process on the under-test core, Postgres (embedded, max_connections 100) in its own and the fake and the driver in the benchmark process, both on the driver core. ' +
      'The reference bot runs at its defaults (pool max 10, scheduler on) with log level warn and its heap flags, as `botcap run` starts it.',
    '',
    `Targets (issues 3, 16): >= ${BOT_TARGETS.ratioToEcho}x the bare echo bot by CPU per update (goal ${BOT_TARGETS.ratioToEchoGoal}x); < ${BOT_TARGETS.rssMb} MB RSS per instance.`,
    '',
    `- Echo / reference CPU per update **${result.capacityRatio.toFixed(2)}x**: ${judge(result.capacityRatio >= BOT_TARGETS.ratioToEcho, run.quiet)}; ` +
      `goal: ${judge(result.capacityRatio >= BOT_TARGETS.ratioToEchoGoal, run.quiet)}. Measured updates/s ratio ${result.ratio.toFixed(2)}x ` +
      '(not judged: Postgres and the driver share one core, which bounds both bots).',
    `- RSS ${reference.rssAtRestMb} MB at rest, ${reference.rssUnderLoadPeakMb} MB peak under load: ${judge(rssMax < BOT_TARGETS.rssMb, run.quiet)}.`,
    '',
    'Where the RSS at rest comes from: processes that only load modules and idle, measured in the same run. ' +
      '`botcap bot` runs from an esbuild bundle of its own modules (bin/prebuilt.js, rebuilt whenever a source changes), ' +
      "so without tsx's module-loader thread, and loads no other command's modules; " +
      `its spawners add the heap flags \`${BOT_NODE_FLAGS.join(' ')}\` (bot/launch.ts), which bound its growth under load:`,
    '',
    '| process | RSS MB |',
    '| --- | ---: |',
    ...result.moduleGraphs.map((g) => `| ${g.what} | ${g.rssMb} |`),
    ...(result.stages === undefined
      ? []
      : [
          '',
          "### Where the reference bot's CPU per update goes",
          '',
          'From `node --cpu-prof` of the reference bot over the whole run (`--cpu-prof-dir`), module loading and idle time left out: ' +
            'each sample is charged to the deepest frame on its stack that belongs to a stage (bench/cpu-profile.ts), so a socket write ' +
            'under pg counts as SQL and one under undici as a Bot API call. µs per update = share x the median CPU per update above. ' +
            'The profiler itself adds a few percent. V8 samples on the wall clock while the process runs JavaScript, so on a busy ' +
            'machine a sample that was preempted is charged, too long, to whatever ran when it was (often a socket write): ' +
            'read the shares as provisional unless the run was judged.',
          '',
          formatStages(result.stages, reference.cpuUsPerUpdate),
        ]),
  ].join('\n');
}

/**
 * Runs the benchmark and writes section `bot` of docs/BENCHMARKS.md. `before.quiet` comes from bench/all.ts
 * when benchmarks run back to back.
 */
export async function runBotSection(
  options: BotBenchOptions & { quick?: boolean },
  before?: Pick<BenchRun, 'quiet'>,
): Promise<void> {
  const start = await benchRun(before);
  const { quick, ...rest } = options;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  const result = await runBotBenchmark({ ...(quick ? BOT_BENCH_QUICK : {}), ...defined });
  const section = formatBotBenchmark(result, await start.finish());
  await writeBenchmarkSection('bot', section);
  process.stdout.write(`${section}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = benchCommandLine('bench/bot.ts', {
    'duration-s': {
      type: 'number',
      help: `measured seconds per bot per round (default ${BOT_BENCH_DEFAULTS.durationS})`,
    },
    chats: {
      type: 'number',
      integer: true,
      help: `chats pressing buttons in a closed loop (default ${BOT_BENCH_DEFAULTS.chats})`,
    },
    rounds: { type: 'number', integer: true, help: `alternating rounds (default ${BOT_BENCH_DEFAULTS.rounds})` },
    'cpu-prof-dir': {
      type: 'string',
      valueName: 'dir',
      help: "run the reference bot under --cpu-prof, its profile written here (the section's stage shares)",
    },
    quick: QUICK_FLAG,
  });
  await runBotSection({
    durationS: args['duration-s'],
    chats: args.chats,
    rounds: args.rounds,
    cpuProfDir: args['cpu-prof-dir'],
    quick: args.quick,
  });
}
