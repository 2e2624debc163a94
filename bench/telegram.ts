/**
 * Benchmark of the fake Telegram's hot path: sendMessage round trips per second (validation and
 * recording on, flood control off) against a bare node:http server answering the same JSON, and a floor between
 * them (parse the body, keep the message, answer it: what any fake that reads the request must do), measured
 * in the same run with autocannon on loopback. Each server runs in its own child process pinned to the
 * under-test core, autocannon in this process on the driver core (bench/proc.ts), in alternating rounds.
 *
 * Run: npx tsx bench/telegram.ts [--duration-s 5] [--connections 32] [--rounds 5]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { benchCommandLine } from './args.ts';
import {
  BENCH_METHOD_DEFAULTS,
  bundledEntry,
  countInstructions,
  formatSpread,
  pairedRatios,
  pinToCpu,
  type Spread,
  summarize,
} from './proc.ts';
import { thousands } from './report-file.ts';

/** How long and how hard each server is loaded. */
export interface TelegramBenchOptions {
  /** Measured seconds per server. Default 5. */
  durationS?: number;
  /** Unmeasured warm-up seconds per server (JIT, socket pools). Default 1. */
  warmupS?: number;
  /** Concurrent keep-alive connections. Default 32. */
  connections?: number;
  /** Alternating rounds (bare, fake, bare, fake...); each figure is the median of its rounds. Default 5. */
  rounds?: number;
}

export const TELEGRAM_BENCH_DEFAULTS = {
  durationS: 5,
  // Each round starts a fresh process: two seconds let the fake's larger hot path reach optimized code too.
  warmupS: 2,
  connections: 32,
  rounds: BENCH_METHOD_DEFAULTS.repeats,
} as const;

/** One server's figures: medians of its rounds, with the spread of the two that matter. */
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
  /** Instructions the server executed per request (perf stat), when perf can count on this machine. */
  instructionsPerRequest: number | undefined;
  cpuUsSpread: Spread;
  requestsPerSSpread: Spread;
}

export interface TelegramBenchResult {
  options: Required<TelegramBenchOptions>;
  bare: ServerFigures;
  /** What parsing the request and answering with the message cost, without a fake's routing, checks and records. */
  floor: ServerFigures;
  /**
   * The floor with FLOOR_PROBE_WORK_US of busy work added per request: a known difference, so the run shows how
   * well it resolves one (on a noisy machine the probe's reading strays far from FLOOR_PROBE_WORK_US).
   */
  floorProbe: ServerFigures;
  fake: ServerFigures;
  /** floor / bare one-core capacity: the best ratio any fake that reads the request could reach (median of the rounds' pairs). */
  floorRatio: number;
  floorRatioSpread: Spread;
  /** fake / bare throughput. */
  ratio: number;
  /**
   * fake / bare one-core capacity (bare CPU per request / fake's), the verdict's figure: the median of the
   * rounds' pairs, each measured within seconds of the other, so a drift of the machine's speed between
   * rounds moves both sides of a pair.
   */
  capacityRatio: number;
  capacityRatioSpread: Spread;
  /** Whether each server ran pinned to its own core (taskset). */
  pinned: boolean;
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

/** The fake, the bare baseline, the floor between them (what parsing and answering alone cost), and the probe. */
type ServerKind = 'fake' | 'bare' | 'floor' | 'floor-probe';

/**
 * Busy work the probe adds to each floor request, µs of the handler's own time: about what the fake's routing,
 * checks and records add to the floor's JavaScript (bench/telegram-handler.ts measures that in the same run), so
 * the probe shows whether the HTTP rows can resolve a difference of that size on this machine.
 */
export const FLOOR_PROBE_WORK_US = 1;

/** Spins for `us` microseconds of wall time (the probe's stand-in for handler work). */
function busyWork(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until) {
    // spin
  }
}

/** What the floor reads of a request and writes to its response: node:http's, or bench/telegram-handler.ts's stand-ins. */
interface FloorRequest {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}
interface FloorResponse {
  writeHead(status: number, headers: Record<string, string | number>): unknown;
  end(body: string): unknown;
}

/**
 * The floor's request handler: what any fake that reads the request must do, and nothing else. It parses the
 * JSON body, keeps the message, notes the call, and answers with the message built from it: no routing, no
 * checks, no records to query. `workUs` of busy work per request makes it the probe.
 */
export function floorHandler(workUs = 0): (req: FloorRequest, res: FloorResponse) => void {
  const messages = new Map<number, string>();
  const callTimes = new Float64Array(1 << 16);
  let lastId = 0;
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const params = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { chat_id: number; text: string };
      if (workUs > 0) busyWork(workUs);
      const id = ++lastId;
      messages.set(id, params.text);
      messages.delete(id - 100);
      callTimes[id & 0xffff] = performance.now();
      const reply = `{"ok":true,"result":{"message_id":${id},"from":{"id":123456,"is_bot":true,"first_name":"botcap fake bot","username":"botcap_123456_bot"},"chat":{"id":${params.chat_id},"type":"private","first_name":"User 1"},"date":${Math.floor(Date.now() / 1000)},"text":${JSON.stringify(params.text)}}}`;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(reply) });
      res.end(reply);
    });
  };
}

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
  } else if (kind === 'floor' || kind === 'floor-probe') {
    const server = createServer(floorHandler(kind === 'floor-probe' ? FLOOR_PROBE_WORK_US : 0));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
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

async function startChild(kind: ServerKind): Promise<{ child: ChildProcess; port: number }> {
  // Both servers from this file's bundle, as `botcap run` and `botcap fakes` run the fake (bin/botcap.js).
  const child = fork(await bundledEntry('bench/telegram.ts'), [`--child=${kind}`], {
    execArgv: [],
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

interface Round {
  requestsPerS: number;
  cpuUsPerRequest: number;
  instructionsPerRequest: number | undefined;
  result: autocannon.Result;
  recordedCalls: number;
  pinned: boolean;
}

async function measure(kind: ServerKind, options: Required<TelegramBenchOptions>): Promise<Round> {
  const { child, port } = await startChild(kind);
  child.removeAllListeners('exit');
  try {
    const pinned = await pinToCpu(child.pid, BENCH_METHOD_DEFAULTS.underTestCpu);
    const url = `http://127.0.0.1:${port}/bot${TOKEN}/sendMessage`;
    if (options.warmupS > 0) await load(url, options.warmupS, options.connections);
    child.send('mark');
    const instructions = await countInstructions(child.pid);
    const result = await load(url, options.durationS, options.connections);
    const counted = await instructions.stop();
    const usage = await ask(child);
    const requests = Math.max(1, result.requests.total);
    return {
      requestsPerS: result.requests.average,
      cpuUsPerRequest: usage.cpuUs / requests,
      instructionsPerRequest: counted === undefined ? undefined : counted / requests,
      result,
      recordedCalls: usage.recordedCalls,
      pinned,
    };
  } finally {
    child.send('exit');
  }
}

/** A server's figures from its rounds: medians, and the round nearest the median CPU for latency and errors. */
function serverFigures(server: string, rounds: readonly Round[]): ServerFigures {
  const cpuUsSpread = summarize(rounds.map((r) => r.cpuUsPerRequest));
  const requestsPerSSpread = summarize(rounds.map((r) => r.requestsPerS));
  const typical = rounds.reduce((a, b) =>
    Math.abs(b.cpuUsPerRequest - cpuUsSpread.median) < Math.abs(a.cpuUsPerRequest - cpuUsSpread.median) ? b : a,
  );
  const instructions = rounds.map((r) => r.instructionsPerRequest).filter((n) => n !== undefined);
  return {
    server,
    requestsPerS: Math.round(requestsPerSSpread.median),
    latencyP50Ms: typical.result.latency.p50,
    latencyP99Ms: typical.result.latency.p99,
    non2xx: rounds.reduce((sum, r) => sum + r.result.non2xx, 0),
    errors: rounds.reduce((sum, r) => sum + r.result.errors + r.result.timeouts, 0),
    cpuUsPerRequest: Math.round(cpuUsSpread.median * 10) / 10,
    oneCoreCapacityPerS: Math.round(1e6 / cpuUsSpread.median),
    instructionsPerRequest: instructions.length === 0 ? undefined : Math.round(summarize(instructions).median),
    cpuUsSpread,
    requestsPerSSpread,
  };
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
  const bareRounds: Round[] = [];
  const floorRounds: Round[] = [];
  const probeRounds: Round[] = [];
  const fakeRounds: Round[] = [];
  for (let round = 0; round < resolved.rounds; round++) {
    bareRounds.push(await measure('bare', resolved));
    floorRounds.push(await measure('floor', resolved));
    probeRounds.push(await measure('floor-probe', resolved));
    fakeRounds.push(await measure('fake', resolved));
  }
  const bare = serverFigures('bare node:http (same JSON)', bareRounds);
  const floor = serverFigures('floor: parse the JSON body, keep the message, answer it (node:http)', floorRounds);
  const floorProbe = serverFigures(
    `probe: the floor + ${FLOOR_PROBE_WORK_US} µs of busy work per request`,
    probeRounds,
  );
  const fake = serverFigures('fake Telegram (sendMessage, validation + recording)', fakeRounds);
  const cpu = (rounds: readonly Round[]) => rounds.map((r) => r.cpuUsPerRequest);
  const capacityRatioSpread = pairedRatios(cpu(bareRounds), cpu(fakeRounds));
  const floorRatioSpread = pairedRatios(cpu(bareRounds), cpu(floorRounds));
  return {
    options: resolved,
    bare,
    floor,
    floorProbe,
    fake,
    floorRatio: floorRatioSpread.median,
    floorRatioSpread,
    ratio: fake.requestsPerS / bare.requestsPerS,
    capacityRatio: capacityRatioSpread.median,
    capacityRatioSpread,
    fakeRecordedCalls: fakeRounds.reduce((sum, r) => sum + r.recordedCalls, 0),
    pinned: [...bareRounds, ...fakeRounds].every((r) => r.pinned),
    node: process.version,
  };
}

/** The figures as a Markdown table (pure), for docs/BENCHMARKS.md. */
export function formatTelegramBenchmark(result: TelegramBenchResult): string {
  const row = (f: ServerFigures) =>
    `| ${f.server} | ${formatSpread(f.requestsPerSSpread)} | ${formatSpread(f.cpuUsSpread, 1)} | ${thousands(f.oneCoreCapacityPerS)} | ${f.instructionsPerRequest === undefined ? '-' : thousands(f.instructionsPerRequest)} | ${f.latencyP50Ms} | ${f.latencyP99Ms} | ${f.non2xx} | ${f.errors} |`;
  return [
    `| server | requests/s | server CPU µs/request | one-core capacity/s | instructions/request | p50 ms | p99 ms | non-2xx | errors |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
    row(result.bare),
    row(result.floor),
    row(result.floorProbe),
    row(result.fake),
    '',
    `fake / bare: **${result.capacityRatio.toFixed(2)}x** (rounds ${roundsRange(result.capacityRatioSpread)}) by server CPU per request (the verdict's figure: the median of the rounds' ratios, each of a fake round and the bare round run just before it), ${result.ratio.toFixed(2)}x measured throughput; ` +
      `the fake recorded ${thousands(result.fakeRecordedCalls)} calls. floor / bare: ${result.floorRatio.toFixed(2)}x (rounds ${roundsRange(result.floorRatioSpread)}), the best any fake that reads the request could reach; ` +
      `the fake spends ${(result.fake.cpuUsPerRequest - result.floor.cpuUsPerRequest).toFixed(1)} µs per request above it on routing, Telegram's checks and the records. autocannon, ${result.options.connections} connections, ` +
      `${result.options.rounds} alternating rounds of ${result.options.durationS} s after ${result.options.warmupS} s warm-up each, ` +
      `each server in its own process, loopback, Node ${result.node}; figures are medians with the range of the rounds in brackets. ` +
      'Real time throughout (no simulated clock, time scale 1): these are throughput and CPU figures, so no fidelity verdict applies.',
  ].join('\n');
}

const roundsRange = (spread: Spread) => `${spread.min.toFixed(2)}-${spread.max.toFixed(2)}`;

const childArg = process.argv.find((arg) => arg.startsWith('--child='));
if (childArg !== undefined) {
  await serveChild(childArg.slice('--child='.length));
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = benchCommandLine('bench/telegram.ts', {
    'duration-s': {
      type: 'number',
      help: `measured seconds per server per round (default ${TELEGRAM_BENCH_DEFAULTS.durationS})`,
    },
    connections: {
      type: 'number',
      integer: true,
      help: `autocannon's connections (default ${TELEGRAM_BENCH_DEFAULTS.connections})`,
    },
    rounds: { type: 'number', integer: true, help: `alternating rounds (default ${TELEGRAM_BENCH_DEFAULTS.rounds})` },
  });
  const result = await runTelegramBenchmark({
    durationS: args['duration-s'],
    connections: args.connections,
    rounds: args.rounds,
  });
  process.stdout.write(`${formatTelegramBenchmark(result)}\n`);
}
