import { describe, expect, it } from 'vitest';
import { type CpuProfile, profileStages, type StageRule } from './cpu-profile.ts';

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
