import { readFileSync } from 'node:fs';

/**
 * The fields of `/proc/<pid>/stat` after the command name (Linux; proc(5)), or undefined when the process is
 * gone or there is no /proc. Index 0 is the state, 1 ppid, 2 pgrp, 11 utime, 12 stime, 19 starttime (clock
 * ticks), 21 rss (pages). The command name may hold spaces and parentheses, so the split starts after the last
 * ')'. Read synchronously: the kernel generates the file on read, it never waits on a disk.
 *
 * @example
 * procStatFields(process.pid)?.[0] // 'R'
 */
export function procStatFields(pid: number | string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}
