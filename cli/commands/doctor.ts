import type { Command } from 'commander';
import { type ProbeResult, probeAll } from '../../common/probes.ts';
import { describeLeftDatabases, describeReap, reapDeadRuns, reapedAnything } from '../../environment/index.ts';

/** Prints what this machine can run: one line per component, with how to get what is missing. */
export function formatDoctor(results: readonly ProbeResult[]): string {
  const width = Math.max(...results.map((r) => r.component.length));
  const lines = results.map((r) => {
    const mark = r.available ? 'ok     ' : r.requiredByDefault ? 'MISSING' : 'absent ';
    const fix = r.available ? '' : `\n${' '.repeat(width + 11)}-> ${r.howToGet}`;
    return `${mark}  ${r.component.padEnd(width)}  ${r.detail}${fix}`;
  });
  const blocking = results.filter((r) => r.requiredByDefault && !r.available);
  const verdict =
    blocking.length === 0
      ? 'botcap can run its default path (embedded PostgreSQL, in-process fakes) on this machine.'
      : `botcap cannot run its default path: ${blocking.map((r) => r.component).join(', ')} missing.`;
  return `${lines.join('\n')}\n\n${verdict}\n`;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check which components this machine has (Node, embedded Postgres, Docker, PgBouncer, Redis, Chromium)',
    )
    .option('--json', 'print the checks as JSON')
    .action(async (options: { json?: boolean }) => {
      // What killed runs left (bots, PostgreSQL, data dirs) would skew the next run: cleaned, and said so. A
      // database on an external server needs that server's credentials, which doctor has not: named instead.
      const reports = await reapDeadRuns();
      const cleaned = [...reports.filter(reapedAnything).map(describeReap), ...describeLeftDatabases(reports)].map(
        (line) => `${line}\n`,
      );
      const results = await probeAll();
      (options.json ? process.stderr : process.stdout).write(cleaned.join(''));
      process.stdout.write(options.json ? `${JSON.stringify(results, null, 2)}\n` : formatDoctor(results));
      if (results.some((r) => r.requiredByDefault && !r.available)) process.exitCode = 1;
    });
}
