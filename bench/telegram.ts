/**
 * Benchmark of the fake Telegram's hot path: sendMessage round trips per second (validation and
 * recording on, flood control off) against a bare node:http server answering the same JSON, measured
 * in the same run with autocannon on loopback. Each server runs in its own child process (one core
 * each) so neither shares an event loop with the load generator.
 *
 * Run: npx tsx bench/telegram.ts [--duration-s 5] [--connections 32] [--rounds 2]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';

/** How long and how hard each server is loaded. */
export interface TelegramBenchOptions {
  /** Measured seconds per server. Default 5. */
  durationS?: number;
  /** Unmeasured warm-up seconds per server (JIT, socket pools). Default 1. */
  warmupS?: number;
  /** Concurrent keep-alive connections. Default 32. */
  connections?: number;
  /** Alternating rounds (bare, fake, bare, fake...); the best round of each counts, which damps noise
   *  from other processes on a shared machine. Default 2. */
  rounds?: number;
}

export const TELEGRAM_BENCH_DEFAULTS = { durationS: 5, warmupS: 1, connections: 32, rounds: 2 } as const;

/** One server's figures. */
export interface ServerFigures {
  server: string;
  requestsPerS: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  /** Server CPU (user + system) per request during the measured run, in microseconds. */
  cpuUsPerRequest: number;
  /** Requests one core could serve at that CPU cost: 1e6 / cpuUsPerRequest. Unlike requests/s, it
   *  barely moves when other processes compete for the cores. */
  oneCoreCapacityPerS: number;
}

export interface TelegramBenchResult {
  options: Required<TelegramBenchOptions>;
  bare: ServerFigures;
  fake: ServerFigures;
  /** fake / bare throughput. */
  ratio: number;
  /** fake / bare one-core capacity (CPU cost ratio, inverted). */
  capacityRatio: number;
  /** Calls the fake recorded, read back after the run (proves recording was on). */
  fakeRecordedCalls: number;
  node: string;
}

const TOKEN = '123456:BENCH-botcap-fake-token-000000000';
const BODY = JSON.stringify({ chat_id: 1, text: 'Hello from the benchmark: a short reply of ordinary length.' });
const BARE_REPLY = JSON.stringify({
  ok: true,
  result: {
    message_id: 1,
    from: { id: 123456, is_bot: true, first_name: 'botcap fake bot', username: 'botcap_123456_bot' },
    chat: { id: 1, type: 'private', first_name: 'User 1' },
    date: 1_800_000_000,
    text: 'Hello from the benchmark: a short reply of ordinary length.',
  },
});

type ChildMessage = { port: number } | { recordedCalls: number; cpuUs: number };

async function serveChild(kind: string): Promise<void> {
  let recordedCalls = () => 0;
  let port: number;
  if (kind === 'fake') {
    const { startFakeTelegram } = await import('../fakes/telegram/index.ts');
    const fake = await startFakeTelegram({ tokens: [TOKEN], floodControl: false });
    fake.addChat({ chat_id: 1 });
    recordedCalls = () => fake.stats().bots[0]?.calls ?? 0;
    port = fake.port;
  } else {
    // The baseline: read the body, answer the same JSON. No routing, no parsing, no recording.
    const server = createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(BARE_REPLY) });
        res.end(BARE_REPLY);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  }
  process.send?.({ port } satisfies ChildMessage);
  let mark = process.cpuUsage();
  process.on('message', (message) => {
    if (message === 'mark') mark = process.cpuUsage();
    if (message === 'stats') {
      const used = process.cpuUsage(mark);
      process.send?.({ recordedCalls: recordedCalls(), cpuUs: used.user + used.system } satisfies ChildMessage);
    }
    if (message === 'exit') process.exit(0);
  });
}

function startChild(kind: 'fake' | 'bare'): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), [`--child=${kind}`], {
    // Resolved from this file, so the benchmark runs from any working directory.
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${kind} server exited early with code ${code}`)));
    child.once('message', (message: ChildMessage) => {
      if ('port' in message) resolve({ child, port: message.port });
    });
  });
}

function ask(child: ChildProcess): Promise<{ recordedCalls: number; cpuUs: number }> {
  return new Promise((resolve) => {
    child.once('message', (message: ChildMessage) =>
      resolve('recordedCalls' in message ? message : { recordedCalls: 0, cpuUs: 0 }),
    );
    child.send('stats');
  });
}

async function load(url: string, durationS: number, connections: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    connections,
    duration: durationS,
  });
}

async function measure(kind: 'fake' | 'bare', options: Required<TelegramBenchOptions>) {
  const { child, port } = await startChild(kind);
  child.removeAllListeners('exit');
  try {
    const url = `http://127.0.0.1:${port}/bot${TOKEN}/sendMessage`;
    if (options.warmupS > 0) await load(url, options.warmupS, options.connections);
    child.send('mark');
    const result = await load(url, options.durationS, options.connections);
    const usage = await ask(child);
    const cpuUsPerRequest = usage.cpuUs / Math.max(1, result.requests.total);
    const figures: ServerFigures = {
      server: kind === 'fake' ? 'fake Telegram (sendMessage, validation + recording)' : 'bare node:http (same JSON)',
      requestsPerS: Math.round(result.requests.average),
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      cpuUsPerRequest: Math.round(cpuUsPerRequest * 10) / 10,
      oneCoreCapacityPerS: Math.round(1e6 / cpuUsPerRequest),
    };
    return { figures, recordedCalls: usage.recordedCalls };
  } finally {
    child.send('exit');
  }
}

/**
 * Runs both servers one after the other and returns their figures.
 *
 * @example
 * const result = await runTelegramBenchmark({ durationS: 3 });
 * console.log(formatTelegramBenchmark(result));
 */
export async function runTelegramBenchmark(options: TelegramBenchOptions = {}): Promise<TelegramBenchResult> {
  const resolved: Required<TelegramBenchOptions> = {
    durationS: options.durationS ?? TELEGRAM_BENCH_DEFAULTS.durationS,
    warmupS: options.warmupS ?? TELEGRAM_BENCH_DEFAULTS.warmupS,
    connections: options.connections ?? TELEGRAM_BENCH_DEFAULTS.connections,
    rounds: options.rounds ?? TELEGRAM_BENCH_DEFAULTS.rounds,
  };
  let bare: Awaited<ReturnType<typeof measure>> | undefined;
  let fake: Awaited<ReturnType<typeof measure>> | undefined;
  for (let round = 0; round < resolved.rounds; round++) {
    const bareRound = await measure('bare', resolved);
    if (bare === undefined || bareRound.figures.requestsPerS > bare.figures.requestsPerS) bare = bareRound;
    const fakeRound = await measure('fake', resolved);
    if (fake === undefined || fakeRound.figures.requestsPerS > fake.figures.requestsPerS) fake = fakeRound;
  }
  if (bare === undefined || fake === undefined) throw new RangeError('rounds must be at least 1');
  return {
    options: resolved,
    bare: bare.figures,
    fake: fake.figures,
    ratio: fake.figures.requestsPerS / bare.figures.requestsPerS,
    capacityRatio: fake.figures.oneCoreCapacityPerS / bare.figures.oneCoreCapacityPerS,
    fakeRecordedCalls: fake.recordedCalls,
    node: process.version,
  };
}

/** The figures as a Markdown table (pure), for docs/BENCHMARKS.md. */
export function formatTelegramBenchmark(result: TelegramBenchResult): string {
  const row = (f: ServerFigures) =>
    `| ${f.server} | ${f.requestsPerS.toLocaleString('en-US')} | ${f.cpuUsPerRequest} | ${f.oneCoreCapacityPerS.toLocaleString('en-US')} | ${f.latencyP50Ms} | ${f.latencyP99Ms} | ${f.non2xx} | ${f.errors} |`;
  return [
    `| server | requests/s | server CPU µs/request | one-core capacity/s | p50 ms | p99 ms | non-2xx | errors |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
    row(result.bare),
    row(result.fake),
    '',
    `fake / bare: **${result.ratio.toFixed(2)}x** measured throughput, **${result.capacityRatio.toFixed(2)}x** one-core capacity ` +
      `(CPU cost per request, robust to other load on the machine); the fake recorded ${result.fakeRecordedCalls.toLocaleString('en-US')} calls. ` +
      `autocannon, ${result.options.connections} connections, best of ${result.options.rounds} alternating rounds of ` +
      `${result.options.durationS} s after ${result.options.warmupS} s warm-up, ` +
      `each server in its own process, loopback, Node ${result.node}.`,
  ].join('\n');
}

function flag(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : Number(process.argv[index + 1]);
}

const childArg = process.argv.find((arg) => arg.startsWith('--child='));
if (childArg !== undefined) {
  await serveChild(childArg.slice('--child='.length));
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runTelegramBenchmark({
    durationS: flag('duration-s'),
    connections: flag('connections'),
    rounds: flag('rounds'),
  });
  process.stdout.write(`${formatTelegramBenchmark(result)}\n`);
}
