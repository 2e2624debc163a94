import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../common/errors.ts';
import { listScenarios, loadScenario } from './registry.ts';
import { parseScenario } from './validate.ts';

function problems(input: unknown): string {
  try {
    parseScenario(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as Error).message;
  }
  throw new Error('expected the scenario to be rejected');
}

const minimal = { name: 'tiny', load: { executor: 'constant-vus', vus: 5, duration: '30s' } };

describe('scenario validation', () => {
  it('reads database and network faults, and refuses a window that ends before it starts', () => {
    const scenario = parseScenario({
      ...minimal,
      environment: {
        postgresFaults: [{ at: '20s' }, { at: '1m', mode: 'restart', down: '10s' }],
        networkFaults: [{ kind: 'delay', from: '10s', to: '20s', delay: '200ms' }],
      },
    });
    expect(scenario.environment.postgresFaults).toEqual([
      { at: 20_000, mode: 'terminate', down: 0 },
      { at: 60_000, mode: 'restart', down: 10_000 },
    ]);
    expect(scenario.environment.networkFaults).toEqual([
      { target: 'postgres', kind: 'delay', from: 10_000, to: 20_000, delay: 200 },
    ]);
    expect(
      problems({ ...minimal, environment: { networkFaults: [{ kind: 'partition', from: '20s', to: '10s' }] } }),
    ).toMatch(/a network fault must end \(to\) after it starts \(from\)/);
    expect(problems({ ...minimal, environment: { networkFaults: [{ kind: 'delay', from: '1s', to: '2s' }] } })).toMatch(
      /a 'delay' network fault needs a delay longer than zero/,
    );
    expect(problems({ ...minimal, environment: { postgresFaults: [{ at: '1s', mode: 'reboot' }] } })).toMatch(/mode/);
  });

  it('fills every default and turns durations into simulated ms', () => {
    const scenario = parseScenario(minimal);
    expect(scenario.load).toEqual({ executor: 'constant-vus', vus: 5, duration: 30_000 });
    expect(scenario.replies.deadline).toBe(30_000);
    expect(scenario.population.locales.ru).toBeGreaterThan(scenario.population.locales.en);
    expect(scenario.population.digestTimes.peak).toBe('10:00');
    expect(scenario.environment.maxConnections).toBe(100);
    // A parsed scenario is valid input: overrides re-validate it unchanged.
    expect(parseScenario(scenario)).toEqual(scenario);
  });

  it('names the field, the value and the fix', () => {
    const message = problems({
      name: 'bad',
      load: {
        executor: 'ramping-vus',
        stages: [
          { duration: '1m', target: 10 },
          { duration: '5 minutes', target: 10 },
        ],
      },
    });
    expect(message).toContain(
      `load.stages.1.duration: "5 minutes" is not a duration; use '30s', '5m', '1h' or '1m30s'`,
    );
  });

  it('refuses a neverPress that is not a regular expression, and says how to write one', () => {
    expect(problems({ ...minimal, behaviour: { neverPress: 'pause|(stop' } })).toMatch(
      /behaviour\.neverPress: not a valid regular expression; write alternatives as 'pause\|stop'.*got "pause\|\(stop"/,
    );
  });

  it('reports every problem at once: executor, clock time, thresholds, bot config', () => {
    expect(problems({ name: 'x', load: { executor: 'constant-vu', vus: 5 } })).toMatch(
      /load\.executor: executor must be one of 'constant-vus'.*got "constant-vu"/,
    );
    const message = problems({
      ...minimal,
      start: '9:45',
      thresholds: { reply_latency: ['p95<3000'] },
      bot: { config: { resilence: {}, database: { poolMax: 0 } } },
    });
    expect(message).toContain(`start: "9:45" is not a clock time; use 24-hour 'HH:MM'`);
    expect(message).toContain(
      "thresholds.reply_latency.0: bad threshold 'p95<3000' for reply_latency: a percentile needs its value in parentheses, like 'p(95)'",
    );
    expect(message).toContain('bot.config.resilence: not a bot config field; known fields here:');
    expect(message).toMatch(/bot\.config\.database\.poolMax: .*got 0/);
  });

  it("keeps a scenario's bot config as written, typed by the bot's schema, and its transport in bot.transport only", () => {
    const scenario = parseScenario({
      ...minimal,
      bot: { transport: 'webhook', config: { database: { poolMax: 20 } } },
    });
    // The bot's defaults are not applied here: the orchestrator resolves the config once per run.
    expect(scenario.bot.config).toEqual({ database: { poolMax: 20 } });
    expect(problems({ ...minimal, bot: { config: { telegram: { transport: 'webhook' } } } })).toContain(
      'bot.config.telegram.transport: set bot.transport instead',
    );
  });

  it('checks the parts against each other: enough users for the VUs, maxVUs above preAllocatedVUs', () => {
    expect(problems({ ...minimal, load: { executor: 'constant-vus', vus: 2000, duration: '1m' } })).toContain(
      'population.size: 1000 users cannot fill 2000 concurrent VUs; set population.size >= 2000',
    );
    expect(
      problems({
        name: 'x',
        load: { executor: 'constant-arrival-rate', rate: 5, duration: '1m', preAllocatedVUs: 50, maxVUs: 10 },
      }),
    ).toContain('load.maxVUs: maxVUs 10 is below preAllocatedVUs 50; raise maxVUs or omit it');
  });

  it('checks thresholds with the gate compiler: unknown metrics and aggregations fail at load', () => {
    const message = problems({ ...minimal, thresholds: { reply_latncy: ['p(95)<3000'], lost_updates: ['p(95)<1'] } });
    expect(message).toMatch(
      /thresholds\.reply_latncy\.0: unknown metric 'reply_latncy' \(did you mean 'reply_latency'\?\)/,
    );
    expect(message).toMatch(
      /thresholds\.lost_updates\.0: 'p\(95\)' does not apply to lost_updates \(a counter\); use count, rate/,
    );
  });

  it('accepts a valid partial bot config and k6 thresholds', () => {
    const scenario = parseScenario({
      ...minimal,
      bot: { transport: 'webhook', instances: 3, config: { scheduler: { strategy: 'advisory-lock' } } },
      thresholds: {
        reply_latency: ['p(95)<3000', 'max<20000'],
        lost_updates: ['count==0'],
        'reply_latency{action:question}': ['p(99)<9000'],
      },
    });
    expect(scenario.bot.config).toEqual({ scheduler: { strategy: 'advisory-lock' } });
  });
});

describe('scenario registry', () => {
  it('lists the built-in scenarios, each valid, each at the time scale its calibration finds faithful', async () => {
    expect(listScenarios().map((s) => s.name)).toEqual(['smoke', '500-concurrent', 'peak-10am']);
    // Fidelity over wall time: each built-in scenario lets `--time-scale auto` pick its scale on the machine
    // it runs on, instead of promising a wall time that only a distorted scale would keep.
    expect(listScenarios().map((s) => s.timeScale)).toEqual(['auto', 'auto', 'auto']);
    const smoke = await loadScenario('smoke');
    expect(smoke.thresholds.reply_first_latency).toEqual(['p(95)<3000']);
    const peak = await loadScenario('peak-10am');
    expect(peak.start).toBe('09:45');
    expect(peak.population.size).toBe(10_000);
  });

  it("reads timeScale as a positive number or 'auto', and says which when it is neither", () => {
    const base = { name: 'tiny', load: { executor: 'constant-vus', vus: 1, duration: '10s' } };
    expect(parseScenario({ ...base, timeScale: 'auto' }).timeScale).toBe('auto');
    expect(parseScenario({ ...base, timeScale: 4 }).timeScale).toBe(4);
    expect(() => parseScenario({ ...base, timeScale: 'fast' })).toThrow(/timeScale is a positive number .* or 'auto'/);
    expect(() => parseScenario({ ...base, fidelity: { boundMs: -1 } })).toThrow(/fidelity/);
  });

  it('loads a user-written .json or .ts file and says what to do for an unknown name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'botcap-scenario-'));
    try {
      const json = join(dir, 'mine.json');
      await writeFile(
        json,
        JSON.stringify({ name: 'mine', load: { executor: 'constant-vus', vus: 3, duration: '10s' } }),
      );
      expect((await loadScenario(json)).load).toMatchObject({ vus: 3, duration: 10_000 });

      const ts = join(dir, 'night.ts');
      await writeFile(
        ts,
        `export default { name: 'night', start: '03:00', load: { executor: 'constant-arrival-rate', rate: 1, duration: '1m', preAllocatedVUs: 5 } };\n`,
      );
      expect((await loadScenario(ts)).start).toBe('03:00');

      const broken = join(dir, 'broken.json');
      await writeFile(
        broken,
        JSON.stringify({ name: 'broken', load: { executor: 'constant-vus', vus: 0, duration: '1m' } }),
      );
      await expect(loadScenario(broken)).rejects.toThrow(/load\.vus: .*got 0/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await expect(loadScenario('peak-11am')).rejects.toThrow(
      "unknown scenario 'peak-11am'; use one of smoke, 500-concurrent, peak-10am, or a path to a .ts or .json scenario file",
    );
  });
});

describe('fake options from a scenario', () => {
  it('passes latency, tier, faults (as ms windows), batch processing time and flood control through', async () => {
    const { fakeClaudeOptions, fakeTelegramOptions } = await import('./fakes.ts');
    const scenario = parseScenario({
      ...minimal,
      seed: 4,
      fakes: {
        claude: { tier: 'tier-1', faults: [{ from: '5m', to: '8m', rate: 1, kind: '529' }] },
        telegram: { floodControl: false },
      },
    });
    expect(fakeClaudeOptions(scenario)).toEqual({
      seed: 4,
      latency: 'realistic',
      tier: 'tier-1',
      faults: { windows: [{ fromMs: 300_000, toMs: 480_000, rate: 1, kind: '529' }] },
    });
    expect(fakeTelegramOptions(scenario)).toEqual({ floodControl: false });
    const batched = parseScenario({ ...minimal, fakes: { claude: { batchProcessing: { min: '20s', max: '1m' } } } });
    expect(fakeClaudeOptions(batched).batchProcessing).toEqual({ minMs: 20_000, maxMs: 60_000 });
    expect(problems({ ...minimal, fakes: { claude: { batchProcessing: { min: '2m', max: '1m' } } } })).toContain(
      'fakes.claude.batchProcessing.max: max must be at least min',
    );
    expect(
      problems({ ...minimal, fakes: { claude: { faults: [{ from: '8m', to: '5m', rate: 2, kind: '418' }] } } }),
    ).toMatch(/fakes\.claude\.faults\.0\.rate: .*\n.*fakes\.claude\.faults\.0\.kind: kind must be one of 429/);
  });
});

describe('MCP fault windows', () => {
  const withMcp = {
    ...minimal,
    load: { executor: 'constant-vus', vus: 5, duration: '4m' },
    bot: { config: { mcp: {} } },
  };

  it('default to a full 503 outage and reach the fake as ms windows relative to the load', async () => {
    const { fakeMcpFaultWindows } = await import('./fakes.ts');
    const scenario = parseScenario({ ...withMcp, fakes: { mcp: { faults: [{ from: '1m', to: '2m' }] } } });
    expect(scenario.fakes.mcp.faults).toEqual([{ from: 60_000, to: 120_000, rate: 1, kind: 'http-503' }]);
    expect(fakeMcpFaultWindows(scenario)).toEqual([{ fromMs: 60_000, toMs: 120_000, rate: 1, kind: 'http-503' }]);
    expect(parseScenario(minimal).fakes.mcp.faults).toEqual([]);
  });

  it('name the field, the value and the fix', () => {
    const message = problems({
      ...withMcp,
      fakes: {
        mcp: {
          faults: [
            { from: '2m', to: '1m', rate: 1.5, kind: 'timeout' },
            { from: 'soon', to: '3m' },
          ],
        },
      },
    });
    expect(message).toContain('fakes.mcp.faults.0.rate: a share is a fraction from 0 to 1, got 1.5');
    expect(message).toContain('fakes.mcp.faults.0.kind: kind must be one of http-503, tool-error, got "timeout"');
    expect(message).toMatch(/fakes\.mcp\.faults\.1\.from: "soon" is not a duration; use/);
    expect(problems({ ...withMcp, fakes: { mcp: { faults: [{ from: '2m', to: '1m' }] } } })).toContain(
      'fakes.mcp.faults.0.to: to must be after from',
    );
  });

  it('are refused when no fake MCP server would run, or when the window opens after the load', () => {
    expect(problems({ ...minimal, fakes: { mcp: { faults: [{ from: '10s', to: '20s' }] } } })).toContain(
      'fakes.mcp.faults: the bot does not use the MCP knowledge lookup, so no fake MCP server runs and these windows would do nothing; add bot.config.mcp',
    );
    expect(problems({ ...withMcp, fakes: { mcp: { faults: [{ from: '5m', to: '6m' }] } } })).toContain(
      'fakes.mcp.faults.0.from: 300000 ms is not before the load ends (240000 ms), so the window never opens',
    );
  });
});
