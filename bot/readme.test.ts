import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BOT_README, readKnobsSection, renderKnobsTable, tableCells } from './config/knobs-table.ts';

describe('bot/README.md', () => {
  it('has the knobs table as generated from BOT_KNOBS (run `npx tsx bot/config/knobs-table.ts` to update it)', async () => {
    const readme = await readFile(BOT_README, 'utf8');
    expect(tableCells(readKnobsSection(readme))).toEqual(tableCells(renderKnobsTable()));
  });
});
