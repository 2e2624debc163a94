import { readFileSync, writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { childPids } from '../common/proc-children.ts';

/**
 * How many steps nicer than botcap itself the system under test runs: the processes botcap starts for it
 * (PostgreSQL and its backends, PgBouncer, Redis, the bot instances). The generator, and the fakes it hosts,
 * keep botcap's own niceness.
 *
 * Why: the lab shares the machine's cores with the system it measures, and the two kinds of waiting are not
 * alike. A wait of the generator or the fakes is distortion, multiplied by the time scale into every reply it
 * touches (loadgen/fidelity/estimate.ts); a wait of the system is the system's own latency, which it has on
 * machines of its own too. So when both want a core, the lab goes first: it needs ~10% of one, and the system
 * loses little. Linux also groups the processes of a session (autogroup, on by default on most distributions):
 * the embedded PostgreSQL server, started by its library in botcap's own session, shared the generator's group.
 * Measured on the lab's own delay, not the system's figures (`botcap run` of the pooling matrix's base, 5 x 50
 * direct, `--time-scale 1.5`, a 2-core AMD EPYC with nothing else running, 2026-12-05, at b8eb2f5 and then with
 * this module). There ~90 backends start at once at 10:00 and the bots' pools churn against max_connections
 * after it. The generator's loop waited at most 344 and 409 ms for a core with every process at botcap's
 * niceness (two runs; 428 ms in a third under the CPU profiler), and 157, 104 and 196 ms in three runs with the
 * system 10 steps nicer. The runs' fidelity verdicts stayed
 * "distorted" (242 and 419 ms, 280 under the profiler, against 331, 222 and 249 ms; the last three also count
 * the CPU of PostgreSQL's exited backends, which the first ones missed): the system's own processes saturate
 * both cores there, and the lab is not faithful beside them at 1.5x. The bots were not in botcap's group but
 * in groups of their own (see {@link yieldAutogroupToLab}), where their nice value did nothing against the
 * generator. With their groups niced too (the same command, two runs at c08dd52 with this change),
 * the verdicts read ok: 34 and 28 ms, the generator's loop lag at most 33 and 24 ms per sampler tick.
 */
export const SYSTEM_NICENESS_STEPS = 10;

/** The most a process can be niced (Linux, macOS). */
const NICEST = 19;

/**
 * Makes `pid` (and the children it has now) {@link SYSTEM_NICENESS_STEPS} nicer than this process; children
 * it starts later inherit it. Where `pid` runs in an autogroup of its own (a process started in a session of
 * its own, as the supervisor starts them), the group is niced too: see {@link yieldAutogroupToLab}. False
 * where the OS refused (another user's process without the privilege), and then nothing changed.
 *
 * @example
 * yieldCpuToLab(postmasterPid); // the server, its background workers, and every backend it forks from now on
 */
export function yieldCpuToLab(pid: number): boolean {
  const niceness = Math.min(NICEST, getPriority() + SYSTEM_NICENESS_STEPS);
  try {
    setPriority(pid, niceness);
  } catch {
    return false;
  }
  for (const child of childPids(pid)) {
    try {
      setPriority(child, niceness);
    } catch {
      // Exited since it was listed, or not ours: it keeps its niceness.
    }
  }
  yieldAutogroupToLab(pid);
  return true;
}

/**
 * A process's autogroup (Linux, sched(7)): the group of its session, and the group's own nice value.
 * Undefined where the kernel has no autogroups (built without them, or not Linux).
 */
export interface Autogroup {
  /** As the kernel names it, e.g. `/autogroup-85`. */
  name: string;
  nice: number;
}

/** `pid`'s autogroup, from /proc/<pid>/autogroup ("/autogroup-85 nice 0"); undefined where there is none. */
export function autogroupOf(pid: number | 'self'): Autogroup | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/autogroup`, 'latin1');
  } catch {
    return undefined;
  }
  const match = /^(\S+) nice (-?\d+)/.exec(text);
  return match === null ? undefined : { name: match[1]!, nice: Number(match[2]) };
}

/**
 * Nices `pid`'s autogroup {@link SYSTEM_NICENESS_STEPS} steps past botcap's own, when it is not botcap's own
 * group; true when it did.
 *
 * Why: with autogroups on (the default of most distributions), the scheduler shares the CPU between groups
 * first, each with the weight of its group's nice value, and a process's own nice value only orders it within
 * its group. A bot instance, PgBouncer or Redis started in a session of its own is alone in a group that
 * weighs as much as botcap's whole group (the generator, the fakes, the embedded PostgreSQL server), however
 * nice the process is: with five busy bots, botcap's group gets one share in six. Raising a group's nice
 * value is allowed to its owner, like raising a process's; botcap's own group is never touched.
 */
export function yieldAutogroupToLab(pid: number): boolean {
  const ours = autogroupOf('self');
  const theirs = autogroupOf(pid);
  if (ours === undefined || theirs === undefined || theirs.name === ours.name) return false;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(Math.min(NICEST, ours.nice + SYSTEM_NICENESS_STEPS)));
  } catch {
    return false;
  }
  return true;
}
