import { hashString } from '../claude/random.ts';

/**
 * Deterministic knowledge snippets: the same query always returns the same snippets, so runs and tests can
 * compare prompts byte for byte. Each snippet reads like a knowledge-base entry: a title, a date and two
 * sentences that mention the query, so the prompt grows realistically.
 */

const SOURCES = [
  {
    title: 'Central bank holds key rate',
    date: '2026-11-27',
    body: 'The board kept the rate unchanged and signalled caution.',
  },
  {
    title: 'Chipmaker reports record quarter',
    date: '2026-11-26',
    body: 'Revenue rose 18% year on year on data-centre demand.',
  },
  {
    title: 'Rail operator announces winter timetable',
    date: '2026-11-25',
    body: 'Night trains return on three international routes.',
  },
  {
    title: 'Study links sleep and memory',
    date: '2026-11-24',
    body: 'A peer-reviewed trial in 410 adults found a modest effect.',
  },
  {
    title: 'Museum opens restored wing',
    date: '2026-11-23',
    body: 'The collection returns after a four-year renovation.',
  },
  {
    title: 'Football league standings',
    date: '2026-11-22',
    body: 'The leaders extended their advantage to five points.',
  },
  {
    title: 'Health agency updates flu guidance',
    date: '2026-11-21',
    body: 'Vaccination is recommended for adults over 60 and risk groups.',
  },
  {
    title: 'Open-source release of a language model',
    date: '2026-11-20',
    body: 'Weights and evaluation results were published together.',
  },
] as const;

/**
 * @example
 * searchSnippets('interest rates', 2) // two snippets, the same on every call
 */
export function searchSnippets(query: string, limit: number): string[] {
  const start = hashString(query.toLowerCase().trim()) % SOURCES.length;
  const out: string[] = [];
  for (let i = 0; i < Math.min(limit, SOURCES.length); i++) {
    const source = SOURCES[(start + i) % SOURCES.length]!;
    out.push(`${source.title} (${source.date}): ${source.body} Related to "${query.slice(0, 80)}".`);
  }
  return out;
}
