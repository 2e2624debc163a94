import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prebuiltEntry, prebuiltManifest } from '../bin/prebuilt.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const BOTCAP = join(REPO_ROOT, 'bin', 'botcap.js');
const execFileAsync = promisify(execFile);

describe('bin/prebuilt.js', () => {
  let root: string;
  const options = () => ({ root, cacheDir: join(root, 'cache') });
  const run = async () => {
    const url = await prebuiltEntry('src/main.ts', options());
    const module = (await import(url)) as { greeting: string; note: string };
    return { url, ...module };
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'botcap-prebuilt-'));
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'package.json'), '{ "type": "module" }');
    await writeFile(join(root, 'tsconfig.json'), '{}');
    await writeFile(join(root, 'src', 'note.txt'), 'read next to its module');
    await writeFile(
      join(root, 'src', 'main.ts'),
      [
        "import { readFileSync } from 'node:fs';",
        "import { name } from './name.ts';",
        "export const greeting: string = 'hello ' + name;",
        "export const note = readFileSync(new URL('./note.txt', import.meta.url), 'utf8');",
      ].join('\n'),
    );
    await writeFile(join(root, 'src', 'name.ts'), "export const name: string = 'one';");
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('runs TypeScript as a bundle whose modules still find their files by import.meta.url', async () => {
    const first = await run();
    expect(first.greeting).toBe('hello one');
    expect(first.note).toBe('read next to its module');
    expect(first.url).toContain('/cache/main-');
  });

  it('keeps a module that holds the text of a source-map comment intact (only the appended comment is rewritten)', async () => {
    await writeFile(
      join(root, 'src', 'map-text.ts'),
      "export const pattern: string = '//# sourceMappingURL=' + 'x.map';\nexport const after = 'still here';",
    );
    const url = await prebuiltEntry('src/map-text.ts', options());
    const module = (await import(url)) as { pattern: string; after: string };
    expect(module).toMatchObject({ pattern: '//# sourceMappingURL=x.map', after: 'still here' });
    expect((await readFile(fileURLToPath(url), 'utf8')).trimEnd()).toMatch(
      /\/\/# sourceMappingURL=map-text-[0-9a-f]+\.mjs\.map$/,
    );
  });

  it('builds working bundles when it runs from a bundle itself (a benchmark bundles its children)', async () => {
    await writeFile(
      join(root, 'src', 'builder.ts'),
      [
        `import { prebuiltEntry } from ${JSON.stringify(join(REPO_ROOT, 'bin', 'prebuilt.js'))};`,
        'export async function build(options: object): Promise<string> {',
        "  return prebuiltEntry('src/main.ts', options);",
        '}',
      ].join('\n'),
    );
    const builder = (await import(await prebuiltEntry('src/builder.ts', options()))) as {
      build(options: object): Promise<string>;
    };
    const nested = await builder.build({ root, cacheDir: join(root, 'nested-cache') });
    const module = (await import(nested)) as { note: string };
    expect(module.note).toBe('read next to its module');
  });

  it('reuses the bundle while the sources are unchanged, and rebuilds after an edit of any of them', async () => {
    const before = await prebuiltEntry('src/main.ts', options());
    expect(await prebuiltEntry('src/main.ts', options())).toBe(before);
    await writeFile(join(root, 'src', 'name.ts'), "export const name: string = 'two';");
    const after = await run();
    expect(after.url).not.toBe(before);
    expect(after.greeting).toBe('hello two');
  });

  it('gives each of two checkouts sharing one cache its own bundle, whose files are its own', async () => {
    // Two clones with one node_modules (a symlink, a workspace): a bundle names its modules' files by absolute
    // URL, so one checkout's bundle run from the other would read the other's files and name its git commit.
    const other = await mkdtemp(join(tmpdir(), 'botcap-prebuilt-other-'));
    try {
      await mkdir(join(other, 'src'));
      for (const file of ['package.json', 'tsconfig.json', 'src/main.ts', 'src/name.ts'])
        await writeFile(join(other, file), await readFile(join(root, file)));
      await writeFile(join(other, 'src', 'note.txt'), 'the other checkout');
      const shared = { cacheDir: join(root, 'cache') };
      const mine = await prebuiltEntry('src/main.ts', { root, ...shared });
      const theirs = await prebuiltEntry('src/main.ts', { root: other, ...shared });
      expect(theirs).not.toBe(mine);
      expect(((await import(theirs)) as { note: string }).note).toBe('the other checkout');
      // Each keeps its own manifest: taking turns rebuilds nothing.
      expect(await prebuiltEntry('src/main.ts', { root, ...shared })).toBe(mine);
      expect(await prebuiltEntry('src/main.ts', { root: other, ...shared })).toBe(theirs);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("bundles `botcap bot` from the bot's modules only, none of the load generator's, reports' or fakes'", async () => {
    await prebuiltEntry('cli/bot-main.ts');
    const manifest = JSON.parse(await readFile(prebuiltManifest('cli/bot-main.ts'), 'utf8')) as { inputs: string[] };
    expect(manifest.inputs).toContain('bot/app.ts');
    expect(manifest.inputs).toContain('cli/commands/bot.ts');
    expect(manifest.inputs.filter((input) => /^(loadgen|reports|fakes|scenarios)\//.test(input))).toEqual([]);
  });

  it("runs every other command from the CLI's bundle, and still loads a user's TypeScript scenario", async () => {
    // Where users keep scenarios: outside this repository, with or without an ESM package.json beside them.
    const dir = await mkdtemp(join(tmpdir(), 'botcap-user-scenario-'));
    try {
      const scenario = [
        `import { defineScenario } from ${JSON.stringify(join(REPO_ROOT, 'scenarios', 'index.ts'))};`,
        "const name: string = 'night-shift';",
        "export default defineScenario({ name, seed: 3, load: { executor: 'constant-vus', vus: 2, duration: '20s' } });",
      ].join('\n');
      await writeFile(join(dir, 'night.ts'), scenario);
      await mkdir(join(dir, 'esm'));
      await writeFile(join(dir, 'esm', 'package.json'), '{ "type": "module" }');
      await writeFile(join(dir, 'esm', 'night.ts'), scenario);
      for (const path of [join(dir, 'night.ts'), join(dir, 'esm', 'night.ts')]) {
        const { stdout, stderr } = await execFileAsync(process.execPath, [BOTCAP, 'export-k6', path]);
        expect(stderr, path).toBe('');
        expect(stdout, path).toContain('// Scenario: night-shift');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const manifest = JSON.parse(await readFile(prebuiltManifest('cli/main.ts'), 'utf8')) as {
      entry: string;
      inputs: string[];
    };
    expect(manifest.entry).toBe('cli/main.ts');
    expect(manifest.inputs).toContain('loadgen/k6/generate.ts');
  });
});
