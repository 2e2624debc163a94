/**
 * Benchmark of the fake Claude API: autocannon on loopback against the fake's zero-latency non-streaming
 * `POST /v1/messages` (validation, token counting, reply generation and usage recording all on) versus a bare
 * `node:http` server answering the same JSON, in the same run, each server in its own child process pinned
 * to the under-test core, autocannon in this process on the driver core, in alternating rounds (bench/proc.ts).
 *
 * Run: `npx tsx bench/claude.ts [--duration-s 5] [--connections 64] [--rounds 5]`. Prints a Markdown table; import
 * `benchmarkFakeClaude()` to get the figures (docs/BENCHMARKS.md is assembled from it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { benchCommandLine } from './args.ts';
import {
  BENCH_METHOD_DEFAULTS,
  bundledEntry,
  countInstructions,
  formatSpread,
  pinToCpu,
  processCpuMs,
  type Spread,
  summarize,
} from './proc.ts';

export interface ClaudeBenchOptions {
  /** Measured seconds per server. Default 5. */
  durationS?: number;
  /** Concurrent keep-alive connections. Default 64. */
  connections?: number;
  /** Unmeasured warm-up seconds per server (JIT, sockets), before the first round. Default 1. */
  warmupS?: number;
  /** Alternating rounds (bare, fake, ...); each figure is the median of its rounds. Default 5. */
  rounds?: number;
}

export const CLAUDE_BENCH_DEFAULTS = {
  durationS: 5,
  connections: 64,
  warmupS: 1,
  rounds: BENCH_METHOD_DEFAULTS.repeats,
} as const;

export interface ServerFigures {
  server: string;
  callsPerS: number;
  /**
   * Server CPU time per call (user + system, from /proc; undefined off Linux). Steadier than calls/s on a
   * shared machine, because it does not count time the server waited for a core.
   */
  cpuUsPerCall: number | undefined;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  non2xx: number;
  /** Medians and ranges over the rounds. */
  callsPerSSpread: Spread;
  cpuUsSpread: Spread | undefined;
  /** Instructions per call (perf stat), when perf can count on this machine. */
  instructionsPerCall: number | undefined;
}

export interface ClaudeBenchResult {
  node: string;
  cpus: number;
  durationS: number;
  connections: number;
  rounds: number;
  /** Whether both servers ran pinned to the under-test core (taskset). */
  pinned: boolean;
  fake: ServerFigures;
  bare: ServerFigures;
  /** fake calls/s divided by bare calls/s. */
  ratio: number;
  /** bare CPU per call / fake CPU per call (medians): the verdict's figure. */
  capacityRatio: number | undefined;
  /** The fake's own count of recorded calls during the measured run (proves accounting was on). */
  fakeRecordedCalls: number;
  targetCallsPerS: number;
  /** 1-minute load average when the run ended: above the CPU count, other work competed for the cores. */
  loadAverage1m: number;
}

const TARGET_CALLS_PER_S = 10_000;

const REQUEST_BODY = JSON.stringify({
  model: 'claude-haiku-4-5',
  max_tokens: 256,
  system: 'You are the assistant of a Telegram bot. Answer briefly.',
  messages: [{ role: 'user', content: 'Give me one idea for a morning routine.' }],
});
const HEADERS = {
  'content-type': 'application/json',
  'x-api-key': 'sk-ant-bench',
  'anthropic-version': '2023-06-01',
};

/** Child process side: start one server, print its URL, serve until killed. */
async function serve(kind: string, fixedBody: string): Promise<void> {
  if (kind === 'fake') {
    const { startFakeClaude } = await import('../fakes/claude/index.ts');
    const fake = await startFakeClaude({ latency: 'zero', maxRecords: 1_000_000 });
    process.stdout.write(`${fake.url}\n`);
    return;
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(fixedBody) });
      res.end(fixedBody);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') process.stdout.write(`http://127.0.0.1:${address.port}\n`);
  });
}

async function startChild(kind: 'fake' | 'bare', fixedBody = ''): Promise<{ child: ChildProcess; url: string }> {
  // Both servers from this file's bundle, as `botcap run` and `botcap fakes` run the fake (bin/botcap.js).
  const child = spawn(process.execPath, [await bundledEntry('bench/claude.ts'), '--serve', kind, fixedBody], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start within 30 s`)), 30_000);
    lines.once('line', (url) => {
      clearTimeout(timer);
      resolve({ child, url: url.trim() });
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited with code ${code}`)));
  });
}

async function cannon(url: string, durationS: number, connections: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/v1/messages`,
    method: 'POST',
    headers: HEADERS,
    body: REQUEST_BODY,
    connections,
    duration: durationS,
  });
}

interface Round {
  result: autocannon.Result;
  cpuUsPerCall: number | undefined;
  instructionsPerCall: number | undefined;
}

async function measure(url: string, pid: number | undefined, options: Required<ClaudeBenchOptions>): Promise<Round> {
  const cpuBeforeMs = await processCpuMs(pid);
  const instructions = await countInstructions(pid);
  const result = await cannon(url, options.durationS, options.connections);
  const counted = await instructions.stop();
  const cpuAfterMs = await processCpuMs(pid);
  const calls = result.requests.total;
  return {
    result,
    cpuUsPerCall:
      cpuBeforeMs === undefined || cpuAfterMs === undefined || calls === 0
        ? undefined
        : ((cpuAfterMs - cpuBeforeMs) * 1000) / calls,
    instructionsPerCall: counted === undefined || calls === 0 ? undefined : counted / calls,
  };
}

/** A server's figures from its rounds: medians, and latency from the round nearest the median calls/s. */
function serverFigures(server: string, rounds: readonly Round[]): ServerFigures {
  const callsPerSSpread = summarize(rounds.map((r) => r.result.requests.average));
  const cpu = rounds.map((r) => r.cpuUsPerCall).filter((n) => n !== undefined);
  const cpuUsSpread = cpu.length === 0 ? undefined : summarize(cpu);
  const instructions = rounds.map((r) => r.instructionsPerCall).filter((n) => n !== undefined);
  const typical = rounds.reduce((a, b) =>
    Math.abs(b.result.requests.average - callsPerSSpread.median) <
    Math.abs(a.result.requests.average - callsPerSSpread.median)
      ? b
      : a,
  );
  return {
    server,
    callsPerS: Math.round(callsPerSSpread.median),
    cpuUsPerCall: cpuUsSpread === undefined ? undefined : Math.round(cpuUsSpread.median),
    latencyP50Ms: typical.result.latency.p50,
    latencyP99Ms: typical.result.latency.p99,
    errors: rounds.reduce((sum, r) => sum + r.result.errors + r.result.timeouts, 0),
    non2xx: rounds.reduce((sum, r) => sum + r.result.non2xx, 0),
    callsPerSSpread,
    cpuUsSpread,
    instructionsPerCall: instructions.length === 0 ? undefined : Math.round(summarize(instructions).median),
  };
}

/**
 * Runs both servers and returns the figures.
 *
 * @example
 * const result = await benchmarkFakeClaude({ durationS: 3 }); result.fake.callsPerS // e.g. 12,000
 */
export async function benchmarkFakeClaude(options: ClaudeBenchOptions = {}): Promise<ClaudeBenchResult> {
  const resolved: Required<ClaudeBenchOptions> = {
    durationS: options.durationS ?? CLAUDE_BENCH_DEFAULTS.durationS,
    connections: options.connections ?? CLAUDE_BENCH_DEFAULTS.connections,
    warmupS: options.warmupS ?? CLAUDE_BENCH_DEFAULTS.warmupS,
    rounds: options.rounds ?? CLAUDE_BENCH_DEFAULTS.rounds,
  };
  const children: ChildProcess[] = [];
  try {
    const fakeServer = await startChild('fake');
    children.push(fakeServer.child);
    // The bare server answers exactly what the fake answers to the benchmark request.
    const sample = await fetch(`${fakeServer.url}/v1/messages`, {
      method: 'POST',
      headers: HEADERS,
      body: REQUEST_BODY,
    });
    const fixedBody = await sample.text();
    const bareServer = await startChild('bare', fixedBody);
    children.push(bareServer.child);
    const pinned =
      (await pinToCpu(fakeServer.child.pid, BENCH_METHOD_DEFAULTS.underTestCpu)) &&
      (await pinToCpu(bareServer.child.pid, BENCH_METHOD_DEFAULTS.underTestCpu));
    if (resolved.warmupS > 0) {
      await cannon(bareServer.url, resolved.warmupS, resolved.connections);
      await cannon(fakeServer.url, resolved.warmupS, resolved.connections);
    }
    const bareRounds: Round[] = [];
    const fakeRounds: Round[] = [];
    const before = await usageCalls(fakeServer.url);
    for (let round = 0; round < resolved.rounds; round++) {
      bareRounds.push(await measure(bareServer.url, bareServer.child.pid, resolved));
      fakeRounds.push(await measure(fakeServer.url, fakeServer.child.pid, resolved));
    }
    const after = await usageCalls(fakeServer.url);
    const bare = serverFigures('bare node:http', bareRounds);
    const fake = serverFigures('fake Claude (zero latency, accounting on)', fakeRounds);
    return {
      node: process.version,
      cpus: cpus().length,
      loadAverage1m: loadavg()[0] ?? 0,
      durationS: resolved.durationS,
      connections: resolved.connections,
      rounds: resolved.rounds,
      pinned,
      fake,
      bare,
      ratio: bare.callsPerS > 0 ? fake.callsPerS / bare.callsPerS : 0,
      capacityRatio:
        bare.cpuUsSpread === undefined || fake.cpuUsSpread === undefined
          ? undefined
          : bare.cpuUsSpread.median / fake.cpuUsSpread.median,
      fakeRecordedCalls: after - before,
      targetCallsPerS: TARGET_CALLS_PER_S,
    };
  } finally {
    for (const child of children) child.kill();
  }
}

async function usageCalls(url: string): Promise<number> {
  const usage = (await (await fetch(`${url}/control/usage`)).json()) as { standard: { calls: number } };
  return usage.standard.calls;
}

/**
 * The figures as a Markdown table (pure).
 *
 * @example
 * console.log(formatClaudeBench(await benchmarkFakeClaude()));
 */
export function formatClaudeBench(result: ClaudeBenchResult): string {
  const row = (f: ServerFigures) =>
    `| ${f.server} | ${formatSpread(f.callsPerSSpread)} | ${f.cpuUsSpread === undefined ? 'n/a' : formatSpread(f.cpuUsSpread)} | ${f.instructionsPerCall?.toLocaleString('en-US') ?? '-'} | ${f.latencyP50Ms} | ${f.latencyP99Ms} | ${f.errors + f.non2xx} |`;
  const byCpu = result.capacityRatio === undefined ? 'n/a' : `${result.capacityRatio.toFixed(2)}x`;
  return [
    `### Fake Claude throughput (Node ${result.node}, ${result.cpus} CPUs, ${result.connections} connections, ${result.rounds} rounds of ${result.durationS} s each)`,
    '',
    '| server | calls/s | server CPU µs/call | instructions/call | p50 ms | p99 ms | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    row(result.bare),
    row(result.fake),
    '',
    `Fake / bare: **${byCpu}** by server CPU per call, ${result.ratio.toFixed(2)}x measured calls/s; figures are medians with the range of the rounds in brackets. ` +
      `Calls recorded by the fake during its measured rounds: ${result.fakeRecordedCalls.toLocaleString('en-US')}.`,
  ].join('\n');
}

// The child (from the bundle, where import.meta.url still names this source file) is told by its flag.
const serveIndex = process.argv.indexOf('--serve');
if (serveIndex >= 0) {
  await serve(process.argv[serveIndex + 1] ?? 'bare', process.argv[serveIndex + 2] ?? '');
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = benchCommandLine('bench/claude.ts', {
    'duration-s': {
      type: 'number',
      help: `measured seconds per server per round (default ${CLAUDE_BENCH_DEFAULTS.durationS})`,
    },
    connections: {
      type: 'number',
      integer: true,
      help: `autocannon's connections (default ${CLAUDE_BENCH_DEFAULTS.connections})`,
    },
    rounds: { type: 'number', integer: true, help: `alternating rounds (default ${CLAUDE_BENCH_DEFAULTS.rounds})` },
  });
  const result = await benchmarkFakeClaude({
    durationS: args['duration-s'],
    connections: args.connections,
    rounds: args.rounds,
  });
  process.stdout.write(`${formatClaudeBench(result)}\n`);
}
