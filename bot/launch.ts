import { fileURLToPath } from 'node:url';
import type { BotConfig } from './config/schema.ts';

/**
 * The reference bot as a child process: the command line that starts one instance (`botcap bot` of this
 * checkout, with the heap flags that keep it in its memory budget) and the ready line it prints. The
 * orchestrator's bot fleet and the benchmarks start bots with it; `botcap bot` prints the line.
 */

/** `bin/botcap.js` of this checkout. */
const BOTCAP_BIN = fileURLToPath(new URL('../bin/botcap.js', import.meta.url));

/**
 * V8 heap flags for a bot instance's node process, for issue 3's budget of < 150 MB RSS per instance under load.
 *
 * The live heap of a busy instance is ~30 MB, but with V8's defaults its heap grew to 80-135 MB and RSS peaked at
 * 160-205 MB on the bench's closed loop (bench/bot.ts, 400-800 updates/s, 2 cores): the young generation grows to
 * 2 x 16 MB semi-spaces, and on a machine with plenty of memory V8 lets the old generation reach up to 4x its live
 * size before a full collection. Measured with the same load (RSS peak, main-thread GC pause per update):
 * - defaults: 160-205 MB, 80-165 µs;
 * - 8 MB semi-spaces, old generation grown by 1.5x (these flags): 125-130 MB, 105-230 µs, about the defaults';
 * - 4 MB semi-spaces: ~10 MB less, but twice the GC time (245-330 µs): more scavenges, more objects promoted.
 * No --max-old-space-size: a hard limit would turn a burst of live data into a crash.
 * They must be on node's command line: V8 sizes its heap before any JavaScript runs, and NODE_OPTIONS refuses
 * --heap-growing-percent.
 */
export const BOT_NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=50'] as const;

/** The one line `botcap bot` prints on stdout when it is ready; whoever started it waits for it. */
export interface BotReadyLine {
  instance: string;
  transport: BotConfig['telegram']['transport'];
  http: string;
  webhook?: string;
  /** Set for queue-worker's dedicated scheduler process (`scheduler.role: 'worker'`), which takes no updates. */
  role?: 'scheduler-worker';
}

/** Matches {@link BotReadyLine} among an instance's output lines. */
export const BOT_READY_LINE = /^\{"instance":/;

/**
 * How another process starts one `botcap bot` instance: node with {@link BOT_NODE_FLAGS}, of this checkout
 * unless `bin` names the `bin/botcap.js` of another (a benchmark comparing the bot at two commits).
 * The load generator and the benchmarks spawn bots with it.
 *
 * @example
 * const { command, args } = botProcessCommand(['--instance-id', 'bot-2']);
 * spawn(command, args, { env });
 */
export function botProcessCommand(
  args: readonly string[] = [],
  bin: string = BOTCAP_BIN,
): { command: string; args: string[] } {
  return { command: process.execPath, args: [...BOT_NODE_FLAGS, bin, 'bot', ...args] };
}
