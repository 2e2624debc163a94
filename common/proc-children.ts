import { readdirSync, readFileSync } from 'node:fs';
import { procStatFields } from './proc-stat-fields.ts';

/**
 * The direct children of `pid` now (Linux /proc; none elsewhere, or when `pid` is gone or not ours to read):
 * from each of its threads' `children` file (Linux 3.5+, CONFIG_PROC_CHILDREN), or where the kernel does not
 * list them, by reading every process's parent from its stat. Read synchronously: the kernel generates these
 * files on read, they never wait on a disk.
 *
 * @example
 * childPids(postmasterPid) // [4121, 4122, ...]: its background workers and backends
 */
export function childPids(pid: number): number[] {
  const tasks = readDir(`/proc/${pid}/task`);
  if (tasks === undefined) return [];
  const listed = listedChildren(pid, tasks);
  if (listed !== undefined) return listed;
  const children: number[] = [];
  for (const entry of readDir('/proc') ?? []) {
    if (/^\d+$/.test(entry) && Number(procStatFields(entry)?.[1]) === pid) children.push(Number(entry));
  }
  return children;
}

/** Undefined where the kernel has no `children` files. */
function listedChildren(pid: number, tasks: readonly string[]): number[] | undefined {
  const children: number[] = [];
  for (const task of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/children`, 'latin1');
    } catch {
      return undefined;
    }
    for (const child of text.split(' ')) if (/^\d+$/.test(child)) children.push(Number(child));
  }
  return children;
}

function readDir(path: string): string[] | undefined {
  try {
    return readdirSync(path);
  } catch {
    return undefined;
  }
}
