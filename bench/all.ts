/**
 * `npm run bench`: every benchmark, each writing its section of docs/BENCHMARKS.md - the fakes against bare
 * node:http (bench/fakes.ts), the reference bot against the echo bot with its CPU profile by stage
 * (bench/bot.ts), the load generator against autocannon (bench/loadgen.ts).
 *
 * Whether the machine is quiet enough to judge is decided once, before the first benchmark: each one loads
 * both cores, so the next one's own "load average before" would always look busy.
 *
 * Run: `npm run bench [-- --quick]` or `npx tsx bench/all.ts [--quick]`. About 15 minutes in full (the
 * `botcap run` wall times are most of it); `--quick` about 3 minutes, for checking the method, not for figures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCommandLine, QUICK_FLAG } from './args.ts';
import { runBotSection } from './bot.ts';
import { rerunFromBundle, runningFromBundle } from './bundled.ts';
import { runFakeBenchmarks } from './fakes.ts';
import { runLoadgenSection } from './loadgen.ts';
import { BENCH_METHOD_DEFAULTS, machineQuiet, pinToCpu } from './proc.ts';
import { loadAverage } from './report-file.ts';

// Before the re-run: a command line it cannot take stops here, without building a bundle.
const { quick } = benchCommandLine('bench/all.ts', { quick: QUICK_FLAG });
// The load generator's section measures this process's own runner and fake: run everything as `botcap run`
// runs, from a bundle (bench/bundled.ts).
if (!runningFromBundle('bench/all.ts')) process.exit(await rerunFromBundle('bench/all.ts'));
const quiet = machineQuiet(loadAverage()[0], cpus().length);
if (!quiet.judged) {
  process.stderr.write(
    `bench: load average ${quiet.loadBefore1m} is above ${quiet.thresholdLoad1m} before the first benchmark: ` +
      'figures will be written as provisional, without verdicts. Re-run on a quiet machine to judge them.\n',
  );
}
await pinToCpu(process.pid, BENCH_METHOD_DEFAULTS.driverCpu);
await runFakeBenchmarks({ quick }, { quiet });
const profiles = await mkdtemp(join(tmpdir(), 'botcap-bench-prof-'));
try {
  await runBotSection({ quick, cpuProfDir: profiles }, { quiet });
} finally {
  await rm(profiles, { recursive: true, force: true });
}
await runLoadgenSection({ quick }, { quiet });
process.stderr.write('bench: every section of docs/BENCHMARKS.md written\n');
