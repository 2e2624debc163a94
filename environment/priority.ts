import { readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

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
 * both cores there, and the lab is not faithful beside them at 1.5x.
 */
export const SYSTEM_NICENESS_STEPS = 10;

/** The most a process can be niced (Linux, macOS). */
const NICEST = 19;

/**
 * Makes `pid` (and the children it has now) {@link SYSTEM_NICENESS_STEPS} nicer than this process; children
 * it starts later inherit it. False where the OS refused (another user's process without the privilege), and
 * then nothing changed.
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
  for (const child of currentChildren(pid)) {
    try {
      setPriority(child, niceness);
    } catch {
      // Exited since it was listed, or not ours: it keeps its niceness.
    }
  }
  return true;
}

/** The children of `pid`'s main thread (Linux /proc; none elsewhere). */
function currentChildren(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1')
      .split(' ')
      .filter((word) => /^\d+$/.test(word))
      .map(Number);
  } catch {
    return [];
  }
}
