/**
 * The fake Telegram's sendMessage handler against the floor's, without sockets: each handler driven by a
 * minimal request and response in this process, so the figures are JavaScript alone (routing, Telegram's
 * checks, the message store and the call record for the fake; JSON.parse, a Map and the reply for the floor),
 * none of Node's HTTP machinery or the kernel's. bench/telegram.ts runs both behind node:http too.
 *
 * Run: npx tsx bench/telegram-handler.ts
 */
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { startFakeTelegram } from '../fakes/telegram/index.ts';
import { type BotLookup, handleBotRequest } from '../fakes/telegram/server.ts';
import { benchCommandLine } from './args.ts';
import { BENCH_METHOD_DEFAULTS, bundledEntry, pinToCpu, type Spread, summarize } from './proc.ts';
import { floorHandler } from './telegram.ts';

const TOKEN = '123456:BENCH-botcap-fake-token-000000000';
const BODY = Buffer.from(
  JSON.stringify({ chat_id: 1, text: 'Hello from the benchmark: a short reply of ordinary length.' }),
);
const CALLS_PER_ROUND = 200_000;
const WARMUP_ROUNDS = 2;

/** What a handler reads of a request: its headers, its body as events, resume. */
class BenchRequest extends EventEmitter {
  readonly method = 'POST';
  readonly headers = { host: '127.0.0.1', 'content-type': 'application/json', 'content-length': String(BODY.length) };
  resume(): void {}
}

/** What a handler writes: counted, so the work cannot be optimized away. */
const sink = {
  bytes: 0,
  writableEnded: false,
  destroyed: false,
  writeHead(_status: number, headers: Record<string, unknown>) {
    sink.bytes += Object.keys(headers).length;
  },
  end(body: string) {
    sink.bytes += body.length;
  },
};

export interface HandlerBenchResult {
  /** CPU µs per call of each handler, over the measured rounds. */
  floorUs: Spread;
  fakeUs: Spread;
  /** fake - floor, medians: the JavaScript the fake's routing, checks and records add per request. */
  extraUs: number;
  rounds: number;
}

/**
 * Runs both handlers in a child started from this file's bundle (the code `botcap run` runs, not tsx's) and
 * pinned to the under-test core, in alternating rounds of CALLS_PER_ROUND calls after WARMUP_ROUNDS unmeasured ones.
 *
 * @example
 * const { extraUs } = await benchmarkHandlers(5); // about 1 µs on the 2-core lab machine
 */
export async function benchmarkHandlers(rounds: number = BENCH_METHOD_DEFAULTS.repeats): Promise<HandlerBenchResult> {
  const child = fork(await bundledEntry('bench/telegram-handler.ts'), [`--child-rounds=${rounds}`], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await pinToCpu(child.pid, BENCH_METHOD_DEFAULTS.underTestCpu);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (message) => resolve(message as HandlerBenchResult));
    child.once('exit', (code) => reject(new Error(`the handler benchmark exited with code ${code} before answering`)));
  });
}

async function measureHandlers(rounds: number): Promise<HandlerBenchResult> {
  const fake = await startFakeTelegram({ tokens: [TOKEN], floodControl: false });
  try {
    fake.addChat({ chat_id: 1 });
    const lookup = (fake as unknown as { lookup: BotLookup }).lookup;
    const limits = { maxBodyBytes: 1 << 20, maxUploadBytes: 50 << 20 };
    const url = `/bot${TOKEN}/sendMessage`;
    const floor = floorHandler();
    const handlers = {
      floor: (req: BenchRequest) => floor(req, sink),
      fake: (req: BenchRequest) =>
        handleBotRequest(lookup, limits, req as unknown as IncomingMessage, sink as unknown as ServerResponse, url),
    };
    const measured = { floor: [] as number[], fake: [] as number[] };
    for (let round = 0; round < WARMUP_ROUNDS + rounds; round++) {
      for (const kind of ['floor', 'fake'] as const) {
        const handle = handlers[kind];
        const started = process.cpuUsage();
        for (let i = 0; i < CALLS_PER_ROUND; i++) {
          const req = new BenchRequest();
          handle(req);
          req.emit('data', BODY);
          req.emit('end');
        }
        const used = process.cpuUsage(started);
        if (round >= WARMUP_ROUNDS) measured[kind].push((used.user + used.system) / CALLS_PER_ROUND);
      }
    }
    const floorUs = summarize(measured.floor);
    const fakeUs = summarize(measured.fake);
    if (sink.bytes === 0 || fake.stats().bots[0]?.calls === 0) throw new Error('the handlers answered nothing');
    return { floorUs, fakeUs, extraUs: fakeUs.median - floorUs.median, rounds };
  } finally {
    await fake.close();
  }
}

const childRounds = process.argv.find((arg) => arg.startsWith('--child-rounds='));
if (childRounds !== undefined) {
  process.send?.(await measureHandlers(Number(childRounds.slice('--child-rounds='.length))));
  process.disconnect?.();
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchCommandLine('bench/telegram-handler.ts', {});
  const r = await benchmarkHandlers();
  process.stdout.write(
    `floor ${r.floorUs.median.toFixed(2)} µs, fake ${r.fakeUs.median.toFixed(2)} µs per call (medians of ${r.rounds} rounds): the fake adds ${r.extraUs.toFixed(2)} µs of JavaScript\n`,
  );
}
