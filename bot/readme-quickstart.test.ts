import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BOT_README } from './config/knobs-table.ts';

/**
 * The quick start of bot/README.md, run as written: the commands of its `sh` blocks, the lines of its
 * transcript typed in, and the transcript checked against what the bot answers. So the doc cannot drift from
 * the product: a changed reply, flag or default fails here.
 */
const REPO = fileURLToPath(new URL('../', import.meta.url));

interface QuickStart {
  commands: string[];
  /** The README's transcript lines: `you> ...` typed, the rest expected in the output in this order. */
  transcript: string[];
}

function readQuickStart(): QuickStart {
  const readme = readFileSync(BOT_README, 'utf8');
  const start = readme.indexOf('<!-- quick-start:begin');
  const section = readme.slice(start, readme.indexOf('<!-- quick-start:end -->', start));
  const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((match) => ({
    lang: match[1],
    body: match[2]!,
  }));
  const lines = (body: string) => body.split('\n').filter((line) => line.trim() !== '');
  return {
    commands: blocks
      .filter((b) => b.lang === 'sh')
      .flatMap((b) => lines(b.body).map((line) => line.replace(/\s+#.*$/, ''))),
    transcript: blocks.filter((b) => b.lang === 'text').flatMap((b) => lines(b.body).map((line) => line.trimEnd())),
  };
}

/** Runs a README command through the shell from the repository root; resolves with its exit code and output. */
function runCommand(
  command: string,
  input: string | undefined,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/**
 * Whether `expected` appears in `output` as an ordered subsequence of lines; a line ending in "…" matches any
 * output line that starts with what comes before it (a Claude answer, a reply that goes on).
 */
function missingLines(expected: readonly string[], output: string): string[] {
  const lines = output.split('\n').map((line) => line.trimEnd());
  let at = 0;
  const missing: string[] = [];
  for (const want of expected) {
    const prefix = want.endsWith('…') ? want.slice(0, -1).trimEnd() : undefined;
    const found = lines.findIndex(
      (line, i) => i >= at && (prefix === undefined ? line === want : line.startsWith(prefix)),
    );
    if (found < 0) missing.push(want);
    else at = found + 1;
  }
  return missing;
}

describe('the quick start of bot/README.md', () => {
  const { commands, transcript } = readQuickStart();
  const typed = transcript.filter((line) => line.startsWith('you> ')).map((line) => line.slice('you> '.length));

  it('is one interactive command and its scripted twin, with a transcript to type', () => {
    expect(commands).toEqual([
      expect.stringMatching(/^npx botcap dev$/),
      expect.stringMatching(/^npx botcap dev --say /),
    ]);
    expect(typed.length).toBeGreaterThanOrEqual(4);
  });

  it.each(commands)(
    '`%s` holds the conversation of the transcript and exits 0',
    async (command) => {
      // The interactive command reads the typed lines from stdin (then end of input, as Ctrl-D); `--say` has them.
      const result = await runCommand(command, command.includes('--say') ? '' : `${typed.join('\n')}\n`);
      expect(result.code, result.stderr).toBe(0);
      expect(missingLines(transcript, result.stdout), result.stdout).toEqual([]);
      expect(result.stdout).toMatch(/curl -s http:\/\/127\.0\.0\.1:\d+\/control\/updates/);
    },
    180_000,
  );
});
