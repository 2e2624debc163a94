import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BOT_README, readKnobsSection, renderKnobsTable, tableCells } from './config/knobs-table.ts';
import { countStops, hopProblem, readHops } from './readme-hops.ts';

describe('bot/README.md', () => {
  it('has the knobs table as generated from BOT_KNOBS (run `npx tsx bot/config/knobs-table.ts` to update it)', async () => {
    const readme = await readFile(BOT_README, 'utf8');
    expect(tableCells(readKnobsSection(readme))).toEqual(tableCells(renderKnobsTable()));
  });

  it('walks one message and one digest through hops that each point at their symbol (`npx tsx bot/readme-hops.ts` moves them)', async () => {
    const readme = await readFile(BOT_README, 'utf8');
    const section = (title: string) =>
      readme.slice(readme.indexOf(`## ${title}`), readme.indexOf('\n## ', readme.indexOf(`## ${title}`) + 1));
    const message = readHops(section('Follow one message'));
    const digest = readHops(section('Follow one digest'));
    expect(message.length).toBeGreaterThanOrEqual(15);
    expect(digest.length).toBeGreaterThanOrEqual(8);
    // A learner follows either in at most nine stops; a longer walk means a layer that buys nothing crept in.
    expect(countStops(section('Follow one message'))).toBeLessThanOrEqual(9);
    expect(countStops(section('Follow one digest'))).toBeLessThanOrEqual(9);
    const problems = [...message, ...digest].map((hop) => hopProblem(hop)).filter(Boolean);
    expect(problems).toEqual([]);
  });

  it('notices a hop that no longer points at its symbol', () => {
    const [moved] = readHops('[bot.ts:1](bot.ts#L1) · `createBot`');
    expect(hopProblem(moved!)).toMatch(/line 1 is .* not createBot/);
    const [mismatched] = readHops('[bot.ts:36](bot.ts#L37) · `createBot`');
    expect(hopProblem(mismatched!)).toMatch(/link text and its target differ/);
    const [missing] = readHops('[nowhere.ts:1](nowhere.ts#L1) · `x`');
    expect(hopProblem(missing!)).toMatch(/does not exist/);
    expect(countStops('intro\n1. a\n   still 1\n2. b\n10. c\n')).toBe(3);
  });
});
