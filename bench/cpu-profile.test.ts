import { describe, expect, it } from 'vitest';
import {
  type CpuProfile,
  GENERATOR_STAGES,
  MIX_BOT_STAGES,
  profileStageCosts,
  profileStages,
  type StageRule,
} from './cpu-profile.ts';

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url, lineNumber: 0 },
  children,
});

describe('profileStages', () => {
  it('charges each sample to the deepest frame of a known stage, without idle time or module loading', () => {
    const rules: StageRule[] = [
      { stage: 'SQL', packages: ['pg'] },
      { stage: 'API', packages: ['undici'] },
    ];
    const profile: CpuProfile = {
      nodes: [
        frame(1, '(root)', '', [2, 3, 4, 6, 7]),
        frame(2, 'query', 'file:///repo/node_modules/undici/x.js', [5]),
        frame(3, '(idle)', ''),
        frame(4, '(garbage collector)', ''),
        // pg below undici on the same stack: the deeper one (pg) gets the sample.
        frame(5, 'submit', 'file:///repo/node_modules/pg/lib/query.js'),
        frame(6, 'compile', 'node:internal/modules/esm/loader', [8]),
        frame(7, 'tick', 'node:internal/process/task_queues'),
        frame(8, 'load', 'file:///repo/node_modules/undici/index.js'),
      ],
      samples: [5, 5, 2, 3, 4, 8, 7],
      timeDeltas: [10, 10, 15, 500, 8, 300, 5],
    };
    const stages = profileStages(profile, rules);
    expect(stages.map((s) => s.stage)).toEqual(['SQL', 'API', 'garbage collection', expect.stringMatching(/runtime/)]);
    expect(stages[0]!.share).toBeCloseTo(20 / 48);
    expect(stages.reduce((sum, s) => sum + s.share, 0)).toBeCloseTo(1);
  });
});

describe('profileStageCosts', () => {
  it('gives the busy time in ms and, per stage, the part spent inside write system calls', () => {
    const profile: CpuProfile = {
      nodes: [
        frame(1, '(root)', '', [2, 4]),
        frame(2, 'submit', 'file:///repo/node_modules/pg/lib/query.js', [3]),
        frame(3, 'writev', ''),
        frame(4, '(idle)', ''),
      ],
      samples: [2, 3, 3, 4],
      timeDeltas: [1000, 1000, 2000, 50_000],
    };
    const costs = profileStageCosts(profile, [{ stage: 'SQL', packages: ['pg'] }]);
    expect(costs.busyMs).toBeCloseTo(4);
    expect(costs.stages).toEqual([{ stage: 'SQL', share: 1, writeShare: 0.75 }]);
  });
});

describe('the production-mix stages', () => {
  const sample = (url: string, leaf = 'work'): CpuProfile => ({
    nodes: [frame(1, '(root)', '', [2]), frame(2, 'caller', url, [3]), frame(3, leaf, '')],
    samples: [3],
    timeDeltas: [1000],
  });

  it("charges the bot's undici work to outgoing HTTP and its Anthropic SDK work to Claude calls", () => {
    expect(profileStages(sample('file:///r/node_modules/undici/lib/x.js'), MIX_BOT_STAGES)[0]!.stage).toMatch(
      /^outgoing HTTP/,
    );
    expect(profileStages(sample('file:///r/node_modules/@anthropic-ai/sdk/core.js'), MIX_BOT_STAGES)[0]!.stage).toMatch(
      /^Claude calls/,
    );
    expect(profileStages(sample('file:///r/node_modules/pg/lib/client.js'), MIX_BOT_STAGES)[0]!.stage).toMatch(/^SQL/);
    // The cheap path's other stages stay as they are.
    expect(
      profileStages(sample('file:///r/node_modules/prom-client/lib/registry.js'), MIX_BOT_STAGES)[0]!.stage,
    ).toMatch(/^metrics/);
  });

  it("tells the generator's fake Telegram from the HTTP server under it and from the runner", () => {
    expect(profileStages(sample('file:///repo/fakes/telegram/fake.ts'), GENERATOR_STAGES)[0]!.stage).toMatch(
      /^fake Telegram/,
    );
    expect(profileStages(sample('node:_http_outgoing', 'writev'), GENERATOR_STAGES)[0]).toMatchObject({
      stage: expect.stringMatching(/^HTTP serving/),
      writeShare: 1,
    });
    expect(profileStages(sample('file:///repo/loadgen/driver/actions.ts'), GENERATOR_STAGES)[0]!.stage).toMatch(
      /^load runner/,
    );
  });
});
