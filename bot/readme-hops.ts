import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The walkthroughs of bot/README.md ("follow one message", "follow one digest") are lists of hops written as
 * `[path:line](path#Lline) · \`symbol\``, paths relative to bot/. `bot/readme.test.ts` checks that every hop
 * points at a line of that file that names the symbol; after an edit moves code, `npx tsx bot/readme-hops.ts`
 * moves each hop to where its symbol now is (the doc keeps its words; only line numbers change).
 */

export const BOT_DIR = fileURLToPath(new URL('./', import.meta.url));
const HOP = /\[([\w./-]+\.ts):(\d+)\]\(([\w./-]+\.ts)#L(\d+)\) · `([\w.]+)`/g;

/** One hop of a walkthrough. */
export interface Hop {
  path: string;
  line: number;
  /** `name`, or `Owner.name` for a method; the line must contain `name`. */
  symbol: string;
  /** The hop as written, to report it. */
  written: string;
  /** Whether the link text and the link target agree. */
  consistent: boolean;
}

/**
 * Every hop of a README text, in order.
 *
 * @example
 * readHops('1. [app.ts:80](app.ts#L80) · `createBotApp`: ...')[0] // { path: 'app.ts', line: 80, symbol: 'createBotApp', ... }
 */
export function readHops(readme: string): Hop[] {
  return [...readme.matchAll(HOP)].map((match) => ({
    path: match[1]!,
    line: Number(match[2]),
    symbol: match[5]!,
    written: match[0],
    consistent: match[1] === match[3] && match[2] === match[4],
  }));
}

/**
 * The stops of a walkthrough: its numbered list items (each may hold several hops: a function and what it calls).
 *
 * @example
 * countStops('1. [bot.ts:39](bot.ts#L39) · `createBot`: ...\n2. ...') // 2
 */
export function countStops(section: string): number {
  return section.split('\n').filter((line) => /^\d+\. /.test(line)).length;
}

const nameOf = (symbol: string) => symbol.split('.').at(-1)!;
const isComment = (line: string) => /^\s*(\*|\/\*|\/\/)/.test(line);
/** Whether a line of code defines or calls `name` (not a comment that happens to contain the word). */
const names = (line: string, name: string) =>
  !isComment(line) &&
  new RegExp(`(\\b(function|class|const|let|interface|type)\\s+${name}\\b)|\\b${name}\\s*[(<:=]|\\.${name}\\b`).test(
    line,
  );

/** What is wrong with a hop, or undefined when it points at its symbol. */
export function hopProblem(hop: Hop, dir = BOT_DIR): string | undefined {
  if (!hop.consistent) return `${hop.written}: the link text and its target differ`;
  let lines: string[];
  try {
    lines = readFileSync(`${dir}${hop.path}`, 'utf8').split('\n');
  } catch {
    return `${hop.written}: bot/${hop.path} does not exist`;
  }
  const line = lines[hop.line - 1];
  if (line === undefined) return `${hop.written}: bot/${hop.path} has ${lines.length} lines`;
  if (!names(line, nameOf(hop.symbol)))
    return `${hop.written}: line ${hop.line} is \`${line.trim()}\`, not ${hop.symbol}`;
  return undefined;
}

/** The line where `name` is defined (a function, class, constant or method), else where it is first used. */
function lineOf(lines: readonly string[], name: string): number | undefined {
  const definition = new RegExp(
    `(\\b(function|class|const|let|interface|type)\\s+${name}\\b)|^\\s*(async\\s+)?${name}\\s*[(<]|^\\s*${name}\\s*:`,
  );
  const index = lines.findIndex((line) => !isComment(line) && definition.test(line));
  if (index >= 0) return index + 1;
  const used = lines.findIndex((line) => names(line, name));
  return used >= 0 ? used + 1 : undefined;
}

/**
 * The README with every hop that no longer names its symbol moved to the line that does.
 *
 * @example
 * writeFileSync(readmePath, fixHops(readFileSync(readmePath, 'utf8')));
 */
export function fixHops(readme: string, dir = BOT_DIR): string {
  return readme.replace(HOP, (written, path: string, _line, _target, _anchor, symbol: string) => {
    const hop = readHops(written)[0]!;
    if (hopProblem(hop, dir) === undefined) return written;
    const found = lineOf(readFileSync(`${dir}${path}`, 'utf8').split('\n'), nameOf(symbol));
    return found === undefined ? written : `[${path}:${found}](${path}#L${found}) · \`${symbol}\``;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = `${BOT_DIR}README.md`;
  const fixed = fixHops(readFileSync(readme, 'utf8'));
  writeFileSync(readme, fixed);
  const left = readHops(fixed)
    .map((hop) => hopProblem(hop))
    .filter(Boolean);
  process.stdout.write(left.length === 0 ? 'every hop points at its symbol\n' : `${left.join('\n')}\n`);
}
