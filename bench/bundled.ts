import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { prebuiltEntry } from '../bin/prebuilt.js';

/**
 * The path of `entry` (a TypeScript file of this repository, from its root) bundled as botcap runs its own code
 * (bin/botcap.js, bin/prebuilt.js): plain JavaScript for `node`, without tsx's loader thread and the keepNames
 * wrappers its compiler adds. Benchmark children run from it, so they measure what users run.
 *
 * @example
 * fork(await bundledEntry('bench/telegram.ts'), ['--child=fake'], { execArgv: [] });
 */
export async function bundledEntry(entry: string): Promise<string> {
  return fileURLToPath(await prebuiltEntry(entry));
}

/**
 * Whether this process is `entry` re-run from its bundle by {@link rerunFromBundle} (its argument names the
 * entry: a bundle holds the modules it imports too, and theirs must not take it for their own).
 */
export function runningFromBundle(entry: string): boolean {
  return process.argv.includes(fromBundleFlag(entry));
}

function fromBundleFlag(entry: string): string {
  return `--from-bundle=${entry}`;
}

/**
 * Runs `entry` again from its bundle with this process's arguments plus a flag naming it, output inherited, and
 * resolves to its exit code. For benchmarks whose own process is under test (the load generator's runner and
 * in-process fake), started as `npx tsx bench/...`: the figures then price the generator as `botcap run` runs
 * it, not as tsx does.
 *
 * @example
 * if (!runningFromBundle('bench/loadgen.ts')) process.exit(await rerunFromBundle('bench/loadgen.ts'));
 */
export async function rerunFromBundle(entry: string): Promise<number> {
  const args = [await bundledEntry(entry), ...process.argv.slice(2), fromBundleFlag(entry)];
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128))));
}
