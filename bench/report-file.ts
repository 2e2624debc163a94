/**
 * docs/BENCHMARKS.md as a set of sections, one per benchmark script: re-running one benchmark replaces
 * its own section and keeps the others, so the file always holds the latest run of each. Sections are
 * delimited by HTML comments (invisible in rendered Markdown) rather than by headings, so a section's
 * own headings can change without breaking the replacement.
 *
 * Also collects the machine details every section states (figures without them cannot be compared).
 *
 * @example
 * const machine = await machineDetails();
 * await writeBenchmarkSection('fake-telegram', `## Fake Telegram\n\n${formatMachine(machine)}\n...`);
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  formatMethod,
  type InstructionCounting,
  instructionCountingAvailable,
  type MachineQuiet,
  machineQuiet,
} from './proc.ts';

const execFileAsync = promisify(execFile);

/** The repository root (this file is bench/report-file.ts). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the figures go, relative to the repository root. */
export const BENCHMARKS_FILE = fileURLToPath(new URL('../docs/BENCHMARKS.md', import.meta.url));

/** What every section shares, said once at the top of the file. */
export const PREAMBLE_TEXT =
  'Written by the scripts in `bench/` (never by hand): `npm run bench` (bench/all.ts) regenerates every section, ' +
  '`npm run bench -- --quick` does a short run to check the method (not figures to commit); each script also runs alone ' +
  'and replaces only its own section. The method is shared (bench/proc.ts): the process under test is pinned to cpu 0 and ' +
  "its driver to cpu 1 (taskset); CPU per update comes from the process's own accounting (process.cpuUsage, /proc utime + " +
  'stime); instruction counts from `perf stat` where the machine allows it; every figure is repeated (5 rounds by default) ' +
  'and given as median (min-max); speed is judged as a ratio of CPU per update against a reference measured in the same ' +
  'run (bare node:http for the fakes, a bare grammY echo bot for the reference bot, autocannon for the generator). When ' +
  'the 1-minute load average before the run is above 0.5 per core, other work was competing for the cores: the section ' +
  'says "not judged: machine busy" instead of a verdict, and its figures are provisional. None of this is asserted in tests.';

/** The file's preamble, written once when the file does not exist yet; later runs keep whatever is there. */
const PREAMBLE = ['# Benchmarks', '', PREAMBLE_TEXT, ''].join('\n');

/** Where a benchmark ran: enough to tell whether two sets of figures are comparable. */
export interface MachineDetails {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** Short commit, with `+dirty` when the working tree had changes (uncommitted code was measured). */
  gitCommit: string;
  /** ISO 8601, UTC. */
  date: string;
}

/**
 * Reads the machine details (git commit from the repository root; `unknown` outside a checkout).
 *
 * @example
 * (await machineDetails()).cores // 2
 */
export async function machineDetails(): Promise<MachineDetails> {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    gitCommit: await gitCommit(),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

async function gitCommit(): Promise<string> {
  try {
    const { stdout: head } = await execFileAsync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT });
    const { stdout: status } = await execFileAsync('git', ['status', '--porcelain'], { cwd: REPO_ROOT });
    return `${head.trim()}${status.trim() === '' ? '' : '+dirty'}`;
  } catch {
    return 'unknown';
  }
}

/** The 1, 5 and 15-minute load averages, rounded: above the core count, other work competed for the cores. */
export function loadAverage(): [number, number, number] {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  const round = (value: number) => Math.round(value * 100) / 100;
  return [round(one), round(five), round(fifteen)];
}

/**
 * The command line that reproduces this run, as a reader would type it: `npm run bench` when npm started
 * it, else `npx tsx <script> <args>`.
 */
export function commandLine(): string {
  // A benchmark re-run from its bundle (bench/bundled.ts) names its source entry in its last argument.
  const rerun = process.argv.at(-1)?.match(/^--from-bundle=(.+)$/);
  const args = process.argv.slice(2, rerun ? -1 : undefined).join(' ');
  if (process.env.npm_lifecycle_event !== undefined && process.env.npm_lifecycle_event !== 'npx') {
    return `npm run ${process.env.npm_lifecycle_event}${args === '' ? '' : ` -- ${args}`}`;
  }
  const script = rerun?.[1] ?? process.argv[1]?.replace(REPO_ROOT, '') ?? 'bench/...';
  return `npx tsx ${script}${args === '' ? '' : ` ${args}`}`;
}

/** Machine details, command and load averages as a Markdown list (pure). */
export function formatMachine(
  machine: MachineDetails,
  run: { command: string; loadBefore: readonly number[]; loadAfter: readonly number[] },
): string {
  const load = (values: readonly number[]) => values.map((v) => v.toFixed(2)).join(' / ');
  return [
    `- Command: \`${run.command}\``,
    `- Date: ${machine.date}, commit ${machine.gitCommit}`,
    `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}`,
    `- Load average (1 / 5 / 15 min): ${load(run.loadBefore)} before, ${load(run.loadAfter)} after`,
  ].join('\n');
}

/** Everything a section states about how and where it ran. */
export interface BenchRun {
  machine: MachineDetails;
  command: string;
  loadBefore: readonly number[];
  loadAfter: readonly number[];
  /** Whether verdicts are written: from the load before this run, or before the whole suite (bench/all.ts). */
  quiet: MachineQuiet;
  instructions: InstructionCounting;
}

/**
 * Starts recording a run: machine, command, load before and whether the machine was quiet enough to judge.
 * `before.quiet` (from bench/all.ts) is the suite's judgement, taken before its first benchmark loaded the
 * cores; each benchmark's own load would otherwise make the next one look busy.
 *
 * @example
 * const start = await benchRun();
 * // ... measure ...
 * const run = await start.finish(); // loadAfter set
 */
export async function benchRun(before?: Pick<BenchRun, 'quiet'>): Promise<{ finish(): Promise<BenchRun> }> {
  const machine = await machineDetails();
  const loadBefore = loadAverage();
  const quiet = before?.quiet ?? machineQuiet(loadBefore[0], machine.cores);
  const instructions = await instructionCountingAvailable();
  const command = commandLine();
  return {
    finish: async () => ({ machine, command, loadBefore, loadAfter: loadAverage(), quiet, instructions }),
  };
}

/** Machine, command, load averages, method and whether the figures are judged, as Markdown (pure). */
export function formatRun(run: BenchRun, method: { pinned: boolean; repeats: number }): string {
  const lines = [formatMachine(run.machine, run), formatMethod({ ...method, instructions: run.instructions })];
  if (!run.quiet.judged) {
    lines.push(
      `- **Provisional**: the 1-minute load average was ${run.quiet.loadBefore1m.toFixed(2)} before the run ` +
        `(above ${run.quiet.thresholdLoad1m.toFixed(2)}: other processes were using the cores), so no target is judged.`,
    );
  }
  return lines.join('\n');
}

const startMarker = (id: string) => `<!-- bench:${id}:start -->`;
const endMarker = (id: string) => `<!-- bench:${id}:end -->`;

/**
 * Replaces section `id` of a document with `body` (pure), or appends it when the document has none.
 *
 * @example
 * replaceSection('# B\n', 'bot', '## Bot\n1') // '# B\n\n<!-- bench:bot:start -->\n## Bot\n1\n<!-- bench:bot:end -->\n'
 */
export function replaceSection(document: string, id: string, body: string): string {
  if (!/^[a-z0-9-]+$/.test(id)) throw new RangeError(`section id ${JSON.stringify(id)}: use a-z, 0-9 and -`);
  const block = `${startMarker(id)}\n${body.trim()}\n${endMarker(id)}`;
  const start = document.indexOf(startMarker(id));
  const end = document.indexOf(endMarker(id));
  if (start !== -1 && end > start) {
    return `${document.slice(0, start)}${block}${document.slice(end + endMarker(id).length)}`;
  }
  return `${document.trimEnd()}\n\n${block}\n`;
}

/**
 * Writes section `id` of docs/BENCHMARKS.md (creating the file with its preamble if needed), keeping
 * every other section as it is.
 */
export async function writeBenchmarkSection(id: string, body: string, file = BENCHMARKS_FILE): Promise<void> {
  const current = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return PREAMBLE;
    throw error;
  });
  await writeFile(file, replaceSection(current, id, body));
}

/** `met` / `NOT met` for a target line. */
export function verdict(met: boolean): string {
  return met ? '**met**' : '**NOT met**';
}

/** Thousands separators, the way the tables print numbers. */
export function thousands(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
