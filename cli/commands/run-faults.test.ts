import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runResultSchema } from '../../contracts/run-result.ts';
import { botcap } from '../testing/in-process.ts';
import { parseClaudeErrors, parseNetworkFault, parseWindow } from './fault-flags.ts';

/**
 * A fault run describes itself: every fault injected on purpose is in result.json, the summary, junit.xml and the
 * HTML charts; an instance killed on purpose is a fault, not a failure of the run.
 */

const scratch = mkdtempSync(join(tmpdir(), 'botcap-faults-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('botcap run with faults', () => {
  it('records a killed instance, terminated database sessions and a Claude 529 window everywhere', async () => {
    const runDir = mkdtempSync(join(scratch, 'run-'));
    // PostgreSQL runs as the `postgres` user when we are root: it must reach its data dir under TMPDIR.
    chmodSync(scratch, 0o755);
    chmodSync(runDir, 0o755);
    const out = join(runDir, 'out');
    const { exitCode, stdout } = await botcap(
      'run',
      'smoke',
      // A fixed scale: this test is about the faults on the record, not about fidelity (no calibration run).
      '--time-scale',
      '20',
      '--transport',
      'webhook',
      '--instances',
      '2',
      '--kill-instance-at',
      '0.6',
      '--postgres-fault-at',
      '30s',
      '--claude-errors',
      '10s-20s:529',
      '--out',
      out,
    );
    expect(exitCode).not.toBe(130);
    const result = runResultSchema.parse(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
    expect(result.faults?.map((f) => [f.kind, f.fromMs])).toEqual([
      ['claude-errors', 10_000],
      ['postgres-sessions-terminated', 30_000],
      ['instance-killed', 72_000],
    ]);
    const terminated = result.faults?.find((f) => f.kind === 'postgres-sessions-terminated');
    expect(terminated?.detail).toMatch(/^[1-9]\d* sessions? of database \w+ terminated$/);
    // The last instance still up is killed; killed on purpose, it is not an error of the run (a bot that died of
    // the terminated sessions would be).
    const killed = result.faults?.find((f) => f.kind === 'instance-killed');
    // Every fault says what it cost the users who sent updates during it (and a reply deadline after).
    for (const fault of result.faults ?? []) expect(fault.cost?.updatesSent, fault.kind).toBeGreaterThan(0);
    expect(killed?.target).toMatch(/^bot-[12]$/);
    expect(result.error ?? '').not.toContain(`${killed?.target} exited`);
    expect(stdout).toMatch(
      new RegExp(
        // Each with what it cost: the updates sent from its start to a reply deadline (30 s) after its end.
        `^faults: claude claude-errors 10-20 s \\(529 for 100% of calls; to 50 s: \\d+ updates sent, \\d+ lost, \\d+ fallbacks?\\); postgres .*; ${killed?.target} instance-killed at 72 s \\(SIGKILL; to 102 s: \\d+ updates sent, \\d+ lost, \\d+ fallbacks?\\)$`,
        'm',
      ),
    );
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(
      new RegExp(
        `<property name="fault" value="${killed?.target} instance-killed at 72 s \\(SIGKILL; to 102 s: \\d+ updates sent, \\d+ lost, \\d+ fallbacks?\\)"/>`,
      ),
    );
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(
      `"label":"${killed?.target} instance-killed (SIGKILL)"`,
    );
    if (result.error !== undefined)
      console.warn(`the run's own error (a bot defect, not this test's): ${result.error}`);
  });

  it('restarts the embedded PostgreSQL mid-run: the bot stays up and recovers, the record has the window and its cost', async () => {
    const runDir = mkdtempSync(join(scratch, 'run-'));
    chmodSync(scratch, 0o755);
    chmodSync(runDir, 0o755);
    const out = join(runDir, 'out');
    const { stdout } = await botcap(
      'run',
      'smoke',
      // 10x, not 20x: the restart's real seconds cost half the simulated time, leaving load after it.
      '--time-scale',
      '10',
      '--postgres-fault-at',
      '20s',
      '--postgres-fault',
      'restart',
      '--postgres-down',
      '10s',
      '--out',
      out,
    );
    const result = runResultSchema.parse(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
    const restart = result.faults?.find((f) => f.kind === 'postgres-restarted');
    expect(restart?.detail).toMatch(
      /^embedded server shut down \(fast\) and started again on port \d+ with the same data$/,
    );
    // The window runs from the shutdown to accepting connections again: at least the down time asked for.
    expect(restart?.fromMs).toBe(20_000);
    expect(restart!.toMs - restart!.fromMs).toBeGreaterThanOrEqual(10_000);
    // The bot stayed up through it (a bot that died would be the run's error) ...
    expect(result.status).toBe('completed');
    expect(result.error ?? '').not.toMatch(/bot-1 exited/);
    // ... and recovered: it answered again after the server was back (the run's figures are this busy
    // machine's, so the test asserts that it recovered, not how fast).
    const replies = result.timeSeries.find((series) => series.name === 'replies_per_s');
    expect(replies?.points.some(([atMs, perS]) => atMs > restart!.toMs && perS > 0)).toBe(true);
    // The cost is on the record and in the summary, beside the window.
    expect(stdout).toMatch(/^correctness: \d+ lost, .*\d+ fallbacks;/m);
    expect(stdout).toMatch(/^faults: postgres postgres-restarted 20-\d+ s \(embedded server shut down/m);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('postgres-restarted 20-');
    console.info(
      `restart ${restart!.fromMs}-${restart!.toMs} ms simulated: ${result.correctness.lostUpdates} lost, ` +
        `${result.correctness.fallbackReplies} fallbacks of ${result.load.updatesInjected} updates`,
    );
  });

  it('partitions, then delays, the network between the bot and PostgreSQL: on the record, and the bot recovers', async () => {
    const runDir = mkdtempSync(join(scratch, 'run-'));
    chmodSync(scratch, 0o755);
    chmodSync(runDir, 0o755);
    const out = join(runDir, 'out');
    const { stdout } = await botcap(
      'run',
      'smoke',
      '--time-scale',
      '10',
      '--network-fault',
      '20s-40s:partition',
      '--network-fault',
      '60s-80s:delay=500ms',
      '--out',
      out,
    );
    const result = runResultSchema.parse(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
    expect(result.faults?.map((f) => [f.kind, f.target, f.fromMs, f.toMs])).toEqual([
      ['network-partition', 'postgres', 20_000, 40_000],
      ['network-delay', 'postgres', 60_000, 80_000],
    ]);
    // The partition cut the bot's pooled connections (it holds some between updates) ...
    expect(result.faults?.[0]?.detail).toMatch(
      /^the bots' connections to PostgreSQL cut \([1-9]\d* reset\) and new ones refused$/,
    );
    expect(result.faults?.[1]?.detail).toBe("+500 ms each way on the bots' connections to PostgreSQL");
    // ... and the bot stayed up and answered again after both windows.
    expect(result.status).toBe('completed');
    expect(result.error ?? '').not.toMatch(/bot-1 exited/);
    const replies = result.timeSeries.find((series) => series.name === 'replies_per_s');
    expect(replies?.points.some(([atMs, perS]) => atMs > 80_000 && perS > 0)).toBe(true);
    expect(stdout).toMatch(/^faults: postgres network-partition 20-40 s \(.*\); postgres network-delay 60-80 s \(/m);
    console.info(
      `network faults: ${result.correctness.lostUpdates} lost, ${result.correctness.fallbackReplies} fallbacks of ${result.load.updatesInjected} updates`,
    );
  });

  it('refuses --postgres-fault and --postgres-down that would do nothing, before anything starts', async () => {
    await expect(botcap('run', 'smoke', '--postgres-fault', 'restart', '--out', join(scratch, 'no'))).rejects.toThrow(
      /--postgres-fault says what --postgres-fault-at does: give --postgres-fault-at too/,
    );
    await expect(
      botcap('run', 'smoke', '--postgres-fault-at', '0.5', '--postgres-down', '5s', '--out', join(scratch, 'no')),
    ).rejects.toThrow(/--postgres-down is the down time of a restart: give --postgres-fault restart too/);
    await expect(
      botcap('run', 'smoke', '--postgres-fault-at', '0.5', '--postgres-fault', 'reboot', '--out', join(scratch, 'no')),
    ).rejects.toThrow(/--postgres-fault.*reboot/);
  });

  it('reads fault windows, and says what is wrong with a bad one', () => {
    expect(parseNetworkFault('20s-40s:delay=200ms')).toEqual({
      fromMs: 20_000,
      toMs: 40_000,
      kind: 'delay',
      delayMs: 200,
    });
    expect(parseNetworkFault('1m-90s:partition')).toEqual({
      fromMs: 60_000,
      toMs: 90_000,
      kind: 'partition',
      delayMs: 0,
    });
    expect(() => parseNetworkFault('20s-40s:jitter')).toThrow(/expects FROM-TO:partition or FROM-TO:delay=DURATION/);
    expect(() => parseNetworkFault('20s-40s:delay=0s')).toThrow(/longer than zero/);
    expect(() => parseNetworkFault('40s-20s:partition')).toThrow(/must end after it starts/);
    expect(parseClaudeErrors('1m-2m:429@0.3')).toEqual({ fromMs: 60_000, toMs: 120_000, rate: 0.3, kind: '429' });
    expect(parseWindow('--mcp-outage', '20s-40s')).toEqual({ fromMs: 20_000, toMs: 40_000, rate: 1 });
    expect(() => parseClaudeErrors('10s-20s:530')).toThrow(/KIND one of 429, 500, 529/);
    expect(() => parseWindow('--mcp-outage', '40s-20s')).toThrow(/must end after it starts/);
    expect(() => parseWindow('--mcp-outage', 'soon')).toThrow(/expects a window like '20s-40s'/);
  });

  it('counts the calls the MCP outage refused on the record, beside the ones it answered', async () => {
    const runDir = mkdtempSync(join(scratch, 'mcp-'));
    chmodSync(scratch, 0o755);
    chmodSync(runDir, 0o755);
    const scenarioFile = join(runDir, 'questions.json');
    writeFileSync(
      scenarioFile,
      JSON.stringify({
        name: 'mcp-questions',
        seed: 1,
        // A fixed scale: this is about the record, not about fidelity (no calibration run). 5x, not more: the bot's
        // 3 s MCP timeout is 600 real ms here; at 20x (150 ms) a loaded CI machine timed out every tool call.
        timeScale: 5,
        start: '12:00',
        load: { executor: 'constant-vus', vus: 8, duration: '1m' },
        population: { size: 16, onboarded: true },
        behaviour: {
          mix: { navigation: 0, question: 1, settings: 0, start: 0 },
          thinkTime: { distribution: 'lognormal', median: '3s', p95: '6s' },
          conversationLength: { distribution: 'geometric', mean: 3, max: 8 },
        },
        replies: { deadline: '30s' },
        bot: { transport: 'polling', instances: 1, config: { mcp: { timeoutMs: 3_000 } } },
      }),
    );
    const out = join(runDir, 'out');
    const { exitCode } = await botcap('run', scenarioFile, '--mcp-outage', '20s-40s', '--out', out);
    expect(exitCode).not.toBe(130);
    const result = runResultSchema.parse(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
    // Questions before and after the outage were answered with knowledge; the ones during it were refused.
    expect(result.mcp?.toolCalls).toBeGreaterThan(0);
    expect(result.mcp?.refused).toBeGreaterThan(0);
    expect(result.mcp!.requests).toBeGreaterThanOrEqual(result.mcp!.toolCalls + result.mcp!.refused);
  });

  it('refuses an MCP outage for a bot that does not use MCP, before anything starts', async () => {
    await expect(botcap('run', 'smoke', '--mcp-outage', '10s-20s', '--out', join(scratch, 'no'))).rejects.toThrow(
      /--mcp-outage: the bot of scenario 'smoke' does not use the MCP server/,
    );
  });
});
