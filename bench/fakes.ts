/**
 * `npm run bench`: both fakes' throughput benchmarks (bench/telegram.ts, bench/claude.ts), each beside a
 * bare node:http server answering the same JSON in the same run, written with the machine details to
 * docs/BENCHMARKS.md (sections `fake-telegram` and `fake-claude`; other sections are kept).
 *
 * Run: `npx tsx bench/fakes.ts [--duration-s 5] [--rounds 5] [--quick] [--only telegram|claude]`; about a minute
 * per fake at the defaults. `npm run bench` runs this and every other benchmark (bench/all.ts).
 */
import { pathToFileURL } from 'node:url';
import { benchCommandLine, QUICK_FLAG } from './args.ts';
import { benchmarkFakeClaude, type ClaudeBenchResult, formatClaudeBench } from './claude.ts';
import { BENCH_METHOD_DEFAULTS, formatSpread, judge, pinToCpu, roundsAgainst } from './proc.ts';
import { type BenchRun, benchRun, formatRun, thousands, writeBenchmarkSection } from './report-file.ts';
import {
  FLOOR_PROBE_WORK_US,
  formatTelegramBenchmark,
  runTelegramBenchmark,
  TELEGRAM_BENCH_DEFAULTS,
  type TelegramBenchResult,
} from './telegram.ts';
import { benchmarkHandlers, type HandlerBenchResult } from './telegram-handler.ts';

/** The issues' targets (2, 16): the lab must never be the bottleneck of what it measures. */
export const FAKE_TARGETS = {
  telegramSendMessagePerS: 30_000,
  /** By server CPU per request (issue 16). */
  telegramRatioToBare: 0.8,
  claudeCallsPerS: 10_000,
  claudeCallsPerSGoal: 25_000,
} as const;

/** The fake Telegram's section (pure): table, ratio and targets, each target judged twice - measured and one-core. */
export function telegramSection(result: TelegramBenchResult, run: BenchRun, handlers: HandlerBenchResult): string {
  const { fake } = result;
  const target = FAKE_TARGETS.telegramSendMessagePerS;
  return [
    '## Fake Telegram: sendMessage round trips per second',
    '',
    formatRun(run, { pinned: result.pinned, repeats: result.options.rounds }),
    '',
    formatTelegramBenchmark(result),
    '',
    `Targets (issues 2, 16): >= ${thousands(target)} sendMessage/s on one core and >= ${FAKE_TARGETS.telegramRatioToBare}x the bare server by CPU per request, validation and recording on.`,
    '',
    `- One-core capacity from CPU per request ${thousands(fake.oneCoreCapacityPerS)}/s: ${judge(fake.oneCoreCapacityPerS >= target, run.quiet)}.`,
    `- Ratio to bare by CPU per request ${result.capacityRatio.toFixed(2)}x: ${judge(result.capacityRatio >= FAKE_TARGETS.telegramRatioToBare, run.quiet)} ` +
      `(${roundsAgainst(result.capacityRatioSpread, FAKE_TARGETS.telegramRatioToBare)}; measured throughput ${result.ratio.toFixed(2)}x, not judged: autocannon's core sets it as much as the server's). ` +
      `The floor, a server that only parses the body and answers with the message, reads ${result.floorRatio.toFixed(2)}x bare (${roundsAgainst(result.floorRatioSpread, FAKE_TARGETS.telegramRatioToBare)}): ` +
      `${floorAgainstTarget(result)}.`,
    `- What the method resolves: the probe adds a known ${FLOOR_PROBE_WORK_US} µs of busy work per request to the floor, and this run measured it as ` +
      `${(result.floorProbe.cpuUsPerRequest - result.floor.cpuUsPerRequest).toFixed(1)} µs of CPU per request above the floor (medians; the floor's rounds spread ${formatSpread(result.floor.cpuUsSpread, 1)}). ` +
      `Where that reading is far from ${FLOOR_PROBE_WORK_US}, differences of a few µs between the HTTP rows are this machine's noise, not the servers'. ` +
      `Without sockets or HTTP, the fake's routing, Telegram's checks and its records run ${handlers.extraUs.toFixed(2)} µs more JavaScript per request than the floor's ` +
      `(bench/telegram-handler.ts, both handlers in one process pinned to the under-test core: ${formatSpread(handlers.fakeUs, 2)} against ${formatSpread(handlers.floorUs, 2)} µs per call, ${handlers.rounds} rounds).`,
  ].join('\n');
}

/** What the floor's ratio leaves a fake that reads its requests, against the target (pure). */
function floorAgainstTarget(result: TelegramBenchResult): string {
  const target = FAKE_TARGETS.telegramRatioToBare;
  if (result.floorRatioSpread.max < target) {
    return 'below the target itself, so no fake that reads its requests can meet it on this machine';
  }
  if (result.floorRatio < target) {
    return "below the target by its median, so a fake that reads its requests reaches it only in the floor's better rounds";
  }
  const spentUs = result.fake.cpuUsPerRequest - result.floor.cpuUsPerRequest;
  return `the target leaves the fake ${allowanceUs(result).toFixed(1)} µs above the floor for routing, checks and records, where it spends ${spentUs.toFixed(1)}`;
}

/** CPU per request the 0.8x target leaves a fake above the floor, µs. */
function allowanceUs(result: TelegramBenchResult): number {
  return Math.max(0, result.bare.cpuUsPerRequest / FAKE_TARGETS.telegramRatioToBare - result.floor.cpuUsPerRequest);
}

/** The fake Claude's section (pure). */
export function claudeSection(result: ClaudeBenchResult, run: BenchRun): string {
  const { fake } = result;
  const target = FAKE_TARGETS.claudeCallsPerS;
  const oneCore = fake.cpuUsPerCall === undefined || fake.cpuUsPerCall === 0 ? undefined : 1e6 / fake.cpuUsPerCall;
  return [
    '## Fake Claude: zero-latency calls per second',
    '',
    formatRun(run, { pinned: result.pinned, repeats: result.rounds }),
    '',
    formatClaudeBench(result),
    '',
    `Target (issues 2, 16): >= ${thousands(target)} zero-latency calls/s on one core (goal ${thousands(FAKE_TARGETS.claudeCallsPerSGoal)}), usage accounting on.`,
    '',
    oneCore === undefined
      ? '- One-core capacity not measured (no /proc on this OS).'
      : `- One-core capacity from CPU per call (${fake.cpuUsPerCall} µs) ${thousands(oneCore)}/s: ${judge(oneCore >= target, run.quiet)}; ` +
        `goal: ${judge(oneCore >= FAKE_TARGETS.claudeCallsPerSGoal, run.quiet)}. Measured ${thousands(fake.callsPerS)} calls/s (autocannon's core bounds it).`,
  ].join('\n');
}

/** What `--quick` shortens to: a smoke run of the method, not figures to commit. */
export const FAKES_QUICK = { durationS: 2, rounds: BENCH_METHOD_DEFAULTS.quickRepeats } as const;

/**
 * Both fakes' sections, written to docs/BENCHMARKS.md. `quiet` comes from the caller when several
 * benchmarks run back to back (bench/all.ts), so the load one of them leaves does not judge the next.
 */
export async function runFakeBenchmarks(
  options: { only?: 'telegram' | 'claude'; durationS?: number; rounds?: number; quick?: boolean } = {},
  before?: Pick<BenchRun, 'quiet'>,
): Promise<void> {
  const durationS = options.durationS ?? (options.quick ? FAKES_QUICK.durationS : undefined);
  const rounds = options.rounds ?? (options.quick ? FAKES_QUICK.rounds : undefined);
  if (options.only !== 'claude') {
    const start = await benchRun(before);
    process.stderr.write('bench: fake Telegram vs bare node:http ...\n');
    const result = await runTelegramBenchmark({ durationS, rounds, ...(options.quick ? { warmupS: 1 } : {}) });
    const handlers = await benchmarkHandlers(rounds);
    const section = telegramSection(result, await start.finish(), handlers);
    await writeBenchmarkSection('fake-telegram', section);
    process.stdout.write(`${section}\n\n`);
  }
  if (options.only !== 'telegram') {
    const start = await benchRun(before);
    process.stderr.write('bench: fake Claude vs bare node:http ...\n');
    const result = await benchmarkFakeClaude({ durationS, rounds });
    const section = claudeSection(result, await start.finish());
    await writeBenchmarkSection('fake-claude', section);
    process.stdout.write(`${section}\n`);
  }
}

async function main(): Promise<void> {
  const args = benchCommandLine('bench/fakes.ts', {
    only: { type: 'string', choices: ['telegram', 'claude'], help: "one fake's section only (default both)" },
    'duration-s': {
      type: 'number',
      help: `measured seconds per server per round (default ${TELEGRAM_BENCH_DEFAULTS.durationS})`,
    },
    rounds: { type: 'number', integer: true, help: `alternating rounds (default ${BENCH_METHOD_DEFAULTS.repeats})` },
    quick: QUICK_FLAG,
  });
  await pinToCpu(process.pid, BENCH_METHOD_DEFAULTS.driverCpu);
  await runFakeBenchmarks({
    only: args.only,
    durationS: args['duration-s'],
    rounds: args.rounds,
    quick: args.quick,
  });
  process.stderr.write('bench: written to docs/BENCHMARKS.md\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
