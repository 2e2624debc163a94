import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CpuMeter, ProcStat, readAuxv } from './proc-stat.ts';

/** Real processes read through the real /proc: the sampler's CPU and RSS figures of every run come from here. */

const proc = ProcStat.open();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A node child running `code`, once it has printed its first line (returned with it). */
async function child(code: string): Promise<ChildProcess & { firstLine: string }> {
  const started = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(started);
  const firstLine = await new Promise<string>((resolve) =>
    started.stdout!.once('data', (data) => resolve(String(data))),
  );
  return Object.assign(started, { firstLine: firstLine.trim() });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(proc === undefined)('ProcStat on Linux', () => {
  it('tells a process burning a core from an idle one, as a share of one core since the last tick', async () => {
    const busy = await child("console.log('up'); for (;;) {}");
    const idle = await child("console.log('up'); setInterval(() => {}, 1000)");
    const meter = new CpuMeter(proc!);
    meter.sample(busy.pid!);
    meter.sample(idle.pid!);
    meter.endTick();
    await sleep(500);
    const busyNow = meter.sample(busy.pid!)!;
    const idleNow = meter.sample(idle.pid!)!;
    // A spinning loop is ~100% of one core; on a busy 2-core machine it may get less, never near idle.
    expect(busyNow.cpuPercent).toBeGreaterThan(40);
    expect(busyNow.cpuPercent).toBeLessThan(130);
    expect(idleNow.cpuPercent).toBeLessThan(10);
    expect(idleNow.rssBytes).toBeGreaterThan(10_000_000);
  });

  it("reports a process's lifetime average the first time it sees it, and nothing once it has exited", async () => {
    const quick = await child("console.log('up'); setInterval(() => {}, 1000)");
    const first = new CpuMeter(proc!).sample(quick.pid!)!;
    // Node's start-up is CPU-heavy: its lifetime average so far is well above an idle loop's.
    expect(first.cpuPercent).toBeGreaterThan(1);
    quick.kill('SIGKILL');
    await new Promise((resolve) => quick.once('exit', resolve));
    // Reaped by node's child handling: the pid's /proc entry is gone.
    await sleep(50);
    expect(new CpuMeter(proc!).sample(quick.pid!)).toBeUndefined();
  });

  it('counts the CPU of children that lived and exited between two ticks in their parent tree', async () => {
    // A parent that idles while it runs one short child after another, each burning ~30 ms and exiting: a
    // PostgreSQL postmaster forking a backend per connection attempt, the attempts refused at once.
    const parent = await child(
      `const { spawn } = require('node:child_process');
       const burn = "const end = Date.now() + 30; while (Date.now() < end) {}";
       const next = () => spawn(process.execPath, ['-e', burn]).on('exit', () => setTimeout(next, 5));
       next(); console.log('up')`,
    );
    const meter = new CpuMeter(proc!);
    meter.sample(parent.pid!, proc!.children(parent.pid!));
    meter.endTick();
    await sleep(1_000);
    const tree = meter.sample(parent.pid!, proc!.children(parent.pid!))!;
    const parentAlone = new CpuMeter(proc!);
    parentAlone.sample(parent.pid!);
    parentAlone.endTick();
    await sleep(500);
    const ownPercent = parentAlone.sample(parent.pid!)!.cpuPercent;
    // Each child is node's start-up (tens of ms of CPU) plus its 30 ms loop, back to back: most of a core
    // (less on a busy machine). At most one child is alive at a tick, so without the children's reaped share
    // the tree would read about the parent's own few percent.
    expect(tree.cpuPercent).toBeGreaterThan(30);
    expect(tree.cpuPercent).toBeGreaterThan(ownPercent * 3);
    expect(tree.processCount).toBeLessThanOrEqual(2);
  });

  it("lists a process's direct children, and none for one that has exited", async () => {
    const parent = await child(
      "const { spawn } = require('node:child_process'); const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']); console.log(c.pid)",
    );
    const grandchild = Number(parent.firstLine);
    expect(proc!.children(parent.pid!)).toEqual([grandchild]);
    process.kill(grandchild, 'SIGKILL');
    expect(proc!.children(2 ** 22 + 1)).toEqual([]);
  });
});

describe('readAuxv', () => {
  it('reads type/value pairs up to the terminating zero type, native-endian', () => {
    const pairs = [6, 16_384, 17, 250, 0, 0, 99, 1];
    // Typed arrays are in the machine's byte order, as the kernel writes the vector.
    const words = process.arch.endsWith('64') ? new BigUint64Array(pairs.map(BigInt)) : new Uint32Array(pairs);
    const bytes = Buffer.from(words.buffer);
    expect([...readAuxv(bytes)]).toEqual([
      [6, 16_384],
      [17, 250],
    ]);
    expect(readAuxv(Buffer.alloc(0)).size).toBe(0);
  });

  it.skipIf(proc === undefined)("gives this machine's clock tick and page size, as getconf reports them", () => {
    const auxv = readAuxv();
    const getconf = (name: string) => Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    expect(auxv.get(17)).toBe(getconf('CLK_TCK'));
    expect(auxv.get(6)).toBe(getconf('PAGESIZE'));
  });
});
