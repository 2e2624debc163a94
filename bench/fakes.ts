/**
 * `npm run bench`: both fakes' throughput benchmarks (bench/telegram.ts, bench/claude.ts), each beside a
 * bare node:http server answering the same JSON in the same run, written with the machine details to
 * docs/BENCHMARKS.md (sections `fake-telegram` and `fake-claude`; other sections are kept).
 *
 * Run: `npm run bench [-- --duration-s 5] [-- --only telegram|claude]`. About 30 s per fake at the defaults.
 */
import { pathToFileURL } from 'node:url';
import { benchmarkFakeClaude, type ClaudeBenchResult, formatClaudeBench } from './claude.ts';
import {
  commandLine,
  formatMachine,
  loadAverage,
  type MachineDetails,
  machineDetails,
  thousands,
  verdict,
  writeBenchmarkSection,
} from './report-file.ts';
import { formatTelegramBenchmark, runTelegramBenchmark, type TelegramBenchResult } from './telegram.ts';

/** The targets (issue 2): the lab must never be the bottleneck of what it measures. */
export const FAKE_TARGETS = {
  telegramSendMessagePerS: 30_000,
  telegramRatioToBare: 0.5,
  claudeCallsPerS: 10_000,
} as const;

interface RunContext {
  machine: MachineDetails;
  command: string;
  loadBefore: readonly number[];
  loadAfter: readonly number[];
}

/** The fake Telegram's section (pure): table, ratio and targets, each target judged twice - measured and one-core. */
export function telegramSection(result: TelegramBenchResult, run: RunContext): string {
  const { fake } = result;
  const target = FAKE_TARGETS.telegramSendMessagePerS;
  return [
    '## Fake Telegram: sendMessage round trips per second',
    '',
    formatMachine(run.machine, run),
    '',
    formatTelegramBenchmark(result),
    '',
    `Targets (issue 2): >= ${thousands(target)} sendMessage/s and >= ${FAKE_TARGETS.telegramRatioToBare}x the bare server, validation and recording on.`,
    '',
    `- Measured throughput ${thousands(fake.requestsPerS)}/s: ${verdict(fake.requestsPerS >= target)}; ` +
      `one-core capacity from CPU per request ${thousands(fake.oneCoreCapacityPerS)}/s: ${verdict(fake.oneCoreCapacityPerS >= target)}.`,
    `- Ratio to bare ${result.ratio.toFixed(2)}x measured: ${verdict(result.ratio >= FAKE_TARGETS.telegramRatioToBare)}; ` +
      `${result.capacityRatio.toFixed(2)}x by CPU cost: ${verdict(result.capacityRatio >= FAKE_TARGETS.telegramRatioToBare)}.`,
    `- On ${run.machine.cores} cores autocannon competes with the server for CPU, so measured requests/s is below what the server ` +
      'does on a core of its own; the one-core capacity (1e6 / server CPU µs per request) is the figure to compare with the target.',
  ].join('\n');
}

/** The fake Claude's section (pure). */
export function claudeSection(result: ClaudeBenchResult, run: RunContext): string {
  const { fake } = result;
  const target = FAKE_TARGETS.claudeCallsPerS;
  const oneCore = fake.cpuUsPerCall === undefined || fake.cpuUsPerCall === 0 ? undefined : 1e6 / fake.cpuUsPerCall;
  return [
    '## Fake Claude: zero-latency calls per second',
    '',
    formatMachine(run.machine, run),
    '',
    formatClaudeBench(result),
    '',
    `Target (issue 2): >= ${thousands(target)} zero-latency calls/s with usage accounting on.`,
    '',
    `- Measured ${thousands(fake.callsPerS)} calls/s: ${verdict(fake.callsPerS >= target)}; ` +
      (oneCore === undefined
        ? 'one-core capacity not measured (no /proc on this OS).'
        : `one-core capacity from CPU per call (${fake.cpuUsPerCall} µs) ${thousands(oneCore)}/s: ${verdict(oneCore >= target)}.`),
    '- Server CPU per call comes from /proc in 10 ms ticks, so it is rounded to whole microseconds; autocannon shares the cores.',
  ].join('\n');
}

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

function numberFlag(name: string): number | undefined {
  const value = flag(name);
  return value === undefined ? undefined : Number(value);
}

async function main(): Promise<void> {
  const only = flag('only');
  if (only !== undefined && only !== 'telegram' && only !== 'claude') {
    throw new RangeError(`--only ${only}: use telegram or claude`);
  }
  const durationS = numberFlag('duration-s');
  const machine = await machineDetails();
  const command = commandLine();
  if (only !== 'claude') {
    const loadBefore = loadAverage();
    process.stderr.write('bench: fake Telegram vs bare node:http ...\n');
    const result = await runTelegramBenchmark({ durationS });
    const section = telegramSection(result, { machine, command, loadBefore, loadAfter: loadAverage() });
    await writeBenchmarkSection('fake-telegram', section);
    process.stdout.write(`${section}\n\n`);
  }
  if (only !== 'telegram') {
    const loadBefore = loadAverage();
    process.stderr.write('bench: fake Claude vs bare node:http ...\n');
    const result = await benchmarkFakeClaude({ durationS });
    const section = claudeSection(result, { machine, command, loadBefore, loadAfter: loadAverage() });
    await writeBenchmarkSection('fake-claude', section);
    process.stdout.write(`${section}\n`);
  }
  process.stderr.write('bench: written to docs/BENCHMARKS.md\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
