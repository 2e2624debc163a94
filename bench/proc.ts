/**
 * What a benchmark reads about another process from /proc (Linux): resident memory and CPU time. Read from
 * outside, so the measured process runs unchanged and pays nothing for being measured.
 *
 * @example
 * const before = await processCpuMs(pid);
 * // ... load ...
 * const cpuUsPerUpdate = (((await processCpuMs(pid)) ?? 0) - (before ?? 0)) * 1000 / updates;
 */
import { readFile } from 'node:fs/promises';

/** Resident set size of a process in bytes (VmRSS), or undefined when it is gone or not on Linux. */
export async function processRssBytes(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used, in ms; /proc counts 10 ms clock ticks. */
export async function processCpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * Samples a process's RSS every `intervalMs` until stopped; `stop()` returns the peak and the last sample.
 *
 * @example
 * const sampler = sampleRss(pid, 250);
 * await load();
 * const { peakBytes } = sampler.stop();
 */
export function sampleRss(
  pid: number | undefined,
  intervalMs: number,
): { stop(): { peakBytes: number; samples: number } } {
  let peakBytes = 0;
  let samples = 0;
  const timer = setInterval(() => {
    void processRssBytes(pid).then((bytes) => {
      if (bytes === undefined) return;
      samples++;
      peakBytes = Math.max(peakBytes, bytes);
    });
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { peakBytes, samples };
    },
  };
}

/** Bytes as MB (10^6), one decimal, the unit the targets use. */
export function megabytes(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}
