/**
 * Benchmark of the fake Claude API: autocannon on loopback against the fake's zero-latency non-streaming
 * `POST /v1/messages` (validation, token counting, reply generation and usage recording all on) versus a bare
 * `node:http` server answering the same JSON, in the same run, each server in its own child process.
 *
 * Run: `npx tsx bench/claude.ts [--duration-s 5] [--connections 64]`. Prints a Markdown table; import
 * `benchmarkFakeClaude()` to get the figures (docs/BENCHMARKS.md is assembled from it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export interface ClaudeBenchOptions {
  /** Measured seconds per server. Default 5. */
  durationS?: number;
  /** Concurrent keep-alive connections. Default 64. */
  connections?: number;
  /** Unmeasured warm-up seconds per server (JIT, sockets). Default 1. */
  warmupS?: number;
}

export const CLAUDE_BENCH_DEFAULTS = { durationS: 5, connections: 64, warmupS: 1 } as const;

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
}

export interface ClaudeBenchResult {
  node: string;
  cpus: number;
  durationS: number;
  connections: number;
  fake: ServerFigures;
  bare: ServerFigures;
  /** fake calls/s divided by bare calls/s. */
  ratio: number;
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

function startChild(kind: 'fake' | 'bare', fixedBody = ''): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--serve', kind, fixedBody],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
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

/** CPU ms (user + system) a process has used, from /proc (Linux; clock ticks are 10 ms there). */
async function processCpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

async function measure(
  name: string,
  url: string,
  pid: number | undefined,
  options: Required<ClaudeBenchOptions>,
): Promise<ServerFigures> {
  if (options.warmupS > 0) await cannon(url, options.warmupS, options.connections);
  const cpuBeforeMs = await processCpuMs(pid);
  const result = await cannon(url, options.durationS, options.connections);
  const cpuAfterMs = await processCpuMs(pid);
  const calls = result.requests.total;
  return {
    server: name,
    callsPerS: Math.round(result.requests.average),
    cpuUsPerCall:
      cpuBeforeMs === undefined || cpuAfterMs === undefined || calls === 0
        ? undefined
        : Math.round(((cpuAfterMs - cpuBeforeMs) * 1000) / calls),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * Runs both servers and returns the figures.
 *
 * @example
 * const result = await benchmarkFakeClaude({ durationS: 3 }); result.fake.callsPerS // e.g. 12,000
 */
export async function benchmarkFakeClaude(options: ClaudeBenchOptions = {}): Promise<ClaudeBenchResult> {
  const resolved = {
    durationS: options.durationS ?? CLAUDE_BENCH_DEFAULTS.durationS,
    connections: options.connections ?? CLAUDE_BENCH_DEFAULTS.connections,
    warmupS: options.warmupS ?? CLAUDE_BENCH_DEFAULTS.warmupS,
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

    const bare = await measure('bare node:http', bareServer.url, bareServer.child.pid, resolved);
    const before = await usageCalls(fakeServer.url);
    const fake = await measure(
      'fake Claude (zero latency, accounting on)',
      fakeServer.url,
      fakeServer.child.pid,
      resolved,
    );
    const after = await usageCalls(fakeServer.url);
    return {
      node: process.version,
      cpus: availableParallelism(),
      loadAverage1m: loadavg()[0] ?? 0,
      durationS: resolved.durationS,
      connections: resolved.connections,
      fake,
      bare,
      ratio: bare.callsPerS > 0 ? fake.callsPerS / bare.callsPerS : 0,
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
    `| ${f.server} | ${f.callsPerS.toLocaleString('en-US')} | ${f.cpuUsPerCall ?? 'n/a'} | ${f.latencyP50Ms} | ${f.latencyP99Ms} | ${f.errors + f.non2xx} |`;
  return [
    `### Fake Claude throughput (Node ${result.node}, ${result.cpus} CPUs, ${result.connections} connections, ${result.durationS} s each)`,
    '',
    '| server | calls/s | server CPU µs/call | p50 ms | p99 ms | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row(result.bare),
    row(result.fake),
    '',
    `Machine load average at the end: ${result.loadAverage1m.toFixed(1)} on ${result.cpus} CPUs (autocannon shares them).`,
    `Fake / bare: ${(result.ratio * 100).toFixed(0)}%. Target ${result.targetCallsPerS.toLocaleString('en-US')} calls/s: ${
      result.fake.callsPerS >= result.targetCallsPerS ? 'met' : 'NOT met'
    }. Calls recorded by the fake during its measured run: ${result.fakeRecordedCalls.toLocaleString('en-US')}.`,
  ].join('\n');
}

function flag(name: string): number | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const serveIndex = process.argv.indexOf('--serve');
  if (serveIndex >= 0) {
    await serve(process.argv[serveIndex + 1] ?? 'bare', process.argv[serveIndex + 2] ?? '');
  } else {
    const result = await benchmarkFakeClaude({ durationS: flag('--duration-s'), connections: flag('--connections') });
    process.stdout.write(`${formatClaudeBench(result)}\n`);
  }
}
