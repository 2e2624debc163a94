import { runReaper } from '../environment/run-registry.ts';

/**
 * Entry point of `botcap run-reaper <registry file>`, the detached process each run starts to clean up after
 * it if it dies (environment/run-registry.ts). Not a user command: bin/botcap.js runs it from a bundle, so it
 * starts fast and small, beside every run.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const file = argv[3];
  if (file === undefined) {
    process.stderr.write('usage: botcap run-reaper <registry file>\n');
    process.exitCode = 1;
    return;
  }
  await runReaper(file, process.stdin, process.stderr);
}
