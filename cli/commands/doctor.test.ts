import { describe, expect, it } from 'vitest';
import { probeAll, probeEmbeddedPostgres } from '../../common/probes.ts';
import { formatDoctor } from './doctor.ts';

describe('botcap doctor', () => {
  it('finds the embedded PostgreSQL that npm installed', async () => {
    const result = await probeEmbeddedPostgres();
    expect(result.available).toBe(true);
    expect(result.detail).toMatch(/PostgreSQL\) \d+/);
  });

  it('tells how to get each missing component', async () => {
    const results = await probeAll();
    expect(results.map((r) => r.component)).toEqual([
      'Node.js',
      'embedded PostgreSQL',
      'Docker engine',
      'PgBouncer',
      'Redis',
      'Chromium (report browser test)',
    ]);
    const text = formatDoctor([
      ...results,
      {
        component: 'Imaginary',
        available: false,
        detail: 'x',
        howToGet: 'apt-get install imaginary',
        requiredByDefault: true,
      },
    ]);
    expect(text).toContain('-> apt-get install imaginary');
    expect(text).toContain('cannot run its default path: Imaginary missing');
  });
});
