// Runs a TypeScript entry of this repository as JavaScript bundled ahead of time, instead of through tsx.
//
// Why: tsx compiles TypeScript in a module-loader thread, a second V8 isolate that lives as long as the process
// and keeps what it compiled: ~35 MB of RSS before the program does anything, too much of a bot instance's
// budget (issue 3: < 150 MB). A bundle is plain JavaScript for Node's own loader, in the main thread only.
//
// Never stale: a bundle is named by a hash of everything it was built from (every source file's content as
// esbuild read it, plus this file, tsconfig.json, package.json and esbuild's version) and is used only while the
// files on disk still give that hash; any edit makes the next start rebuild (~0.1 s). Packages stay external,
// imported from node_modules as usual: only this repository's own code is bundled.
// One checkout's: a bundle names its modules' files by absolute URL (import.meta.url), so the hash and the
// manifest also name the checkout. Two clones sharing one node_modules (a symlink, a workspace) each get their own;
// before, the second reused the first's bundle, read the first's files and named the first's git commit.
//
// Plain JavaScript, not TypeScript: it runs before anything can compile TypeScript.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
/**
 * The expression the bundler replaces, spelled so that this file holds no copy of it as text: bundled itself
 * (a benchmark's bundle builds its children's), its own pattern would be replaced too, and the bundles it built
 * would keep `import.meta.url` naming the bundle.
 */
const IMPORT_META_URL = ['import', 'meta', 'url'].join('.');
/** Bundles of older sources are deleted once no process started from them for this long. */
const STALE_AFTER_MS = 60 * 60 * 1000;

/**
 * @typedef {object} PrebuiltOptions
 * @property {string} [root] The project the entry belongs to. Default: this repository.
 * @property {string} [cacheDir] Where bundles go. Default: `<root>/node_modules/.cache/botcap` (find-cache-dir's
 *   convention: inside the project, so the bundle imports packages from its node_modules; gone with them; never
 *   committed).
 */

/**
 * The file URL of `entry` (a path from the root, e.g. `cli/bot-main.ts`) bundled as an ES module: the bundle of the
 * current sources, built now unless it already exists.
 *
 * @param {string} entry
 * @param {PrebuiltOptions} [options]
 * @returns {Promise<string>}
 * @example
 * const { main } = await import(await prebuiltEntry('cli/bot-main.ts'));
 */
export async function prebuiltEntry(entry, options = {}) {
  const build = buildOf(entry, options);
  const file = (await currentBundle(build)) ?? (await bundle(build));
  return pathToFileURL(file).href;
}

/**
 * Where the manifest of `entry`'s bundle for this checkout is kept (what it was built from, its hash).
 *
 * @param {string} entry
 * @param {PrebuiltOptions} [options]
 * @returns {string}
 */
export function prebuiltManifest(entry, options = {}) {
  return buildOf(entry, options).manifest;
}

/**
 * @param {string} entry
 * @param {PrebuiltOptions} options
 * @returns {Build}
 */
function buildOf(entry, options) {
  const root = options.root ?? REPO_ROOT;
  const cacheDir = options.cacheDir ?? join(root, 'node_modules', '.cache', 'botcap');
  const name = basename(entry).replace(/\.[cm]?ts$/, '');
  const checkout = createHash('sha256').update(root).digest('hex').slice(0, 8);
  return { root, cacheDir, entry, name, manifest: join(cacheDir, `${name}.${checkout}.json`) };
}

/**
 * @typedef {object} Build
 * @property {string} root
 * @property {string} cacheDir
 * @property {string} entry
 * @property {string} name
 * @property {string} manifest
 */

/**
 * The bundle the manifest names, if its inputs on disk still hash to it.
 *
 * @param {Build} build
 * @returns {Promise<string | undefined>}
 */
async function currentBundle(build) {
  let manifest;
  try {
    manifest = JSON.parse(await readFile(build.manifest, 'utf8'));
  } catch {
    return undefined; // never built, or by another version of this file
  }
  if (!Array.isArray(manifest.inputs) || typeof manifest.hash !== 'string') return undefined;
  const contents = new Map();
  try {
    for (const input of manifest.inputs) contents.set(input, await readFile(join(build.root, input)));
  } catch {
    return undefined; // an input was deleted or renamed
  }
  if (hashOf(build, contents) !== manifest.hash) return undefined;
  const file = bundlePath(build, manifest.hash);
  try {
    // Marks it used, so removeStaleBundles leaves it to the processes still starting from it.
    const now = new Date();
    await utimes(file, now, now);
    return file;
  } catch {
    return undefined;
  }
}

/**
 * Bundles the entry with esbuild, writes it and its source map atomically, then the manifest.
 *
 * @param {Build} build
 * @returns {Promise<string>}
 */
async function bundle(build) {
  const esbuild = await import('esbuild');
  /** @type {Map<string, Buffer>} what esbuild compiled, by path from the repository root */
  const contents = new Map();
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: build.root,
      entryPoints: [build.entry],
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      // The oldest Node that package.json's engines allows.
      target: 'node20.19',
      // A linked map costs nothing at run time; `node --enable-source-maps` reads it for TypeScript stack traces.
      sourcemap: 'linked',
      outfile: join(build.cacheDir, `${build.name}.mjs`),
      write: false,
      logLevel: 'silent',
      plugins: [
        {
          name: 'botcap-sources',
          setup(pluginBuild) {
            pluginBuild.onLoad({ filter: /.*/, namespace: 'file' }, async (args) => {
              const source = await readFile(args.path);
              contents.set(relative(build.root, args.path), source);
              // Modules find their files (SQL migrations, the system prompt, package.json) next to themselves:
              // import.meta.url keeps naming the source file, not the bundle.
              const text = source
                .toString('utf8')
                .replaceAll(IMPORT_META_URL, JSON.stringify(pathToFileURL(args.path).href));
              return { contents: text, loader: 'default' };
            });
          },
        },
      ],
    });
  } finally {
    // Without this the esbuild service process would outlive the build for as long as this process runs.
    await esbuild.stop();
  }
  const hash = hashOf(build, contents);
  const file = bundlePath(build, hash);
  await mkdir(build.cacheDir, { recursive: true });
  for (const output of result.outputFiles) {
    const target = output.path.endsWith('.map') ? `${file}.map` : file;
    const text = output.path.endsWith('.map')
      ? output.text
      : // Only the comment esbuild appends, at the very end: a bundled module may hold the same text (this one does).
        output.text.replace(/\/\/# sourceMappingURL=[^\n]*\s*$/, `//# sourceMappingURL=${basename(file)}.map\n`);
    await writeAtomically(target, text);
  }
  await writeAtomically(
    build.manifest,
    JSON.stringify({ entry: build.entry, hash, inputs: [...contents.keys()].sort() }),
  );
  await removeStaleBundles(build, file);
  return file;
}

/**
 * The bundle's name: a hash of its sources and of what else changes esbuild's output (the checkout's path, this
 * file, the project's tsconfig.json and package.json, esbuild's version).
 *
 * @param {Build} build
 * @param {Map<string, Buffer>} contents
 * @returns {string}
 */
function hashOf(build, contents) {
  const hash = createHash('sha256');
  hash.update(esbuildVersion());
  // The bundle holds the checkout's absolute file URLs.
  hash.update(`\0root\0${build.root}\0`);
  for (const file of [
    fileURLToPath(import.meta.url),
    join(build.root, 'tsconfig.json'),
    join(build.root, 'package.json'),
  ])
    hash.update(readFileSync(file));
  for (const path of [...contents.keys()].sort()) {
    hash.update(`\0${path}\0`);
    hash.update(/** @type {Buffer} */ (contents.get(path)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** @returns {string} */
function esbuildVersion() {
  const require = createRequire(import.meta.url);
  return JSON.parse(readFileSync(require.resolve('esbuild/package.json'), 'utf8')).version;
}

/**
 * @param {Build} build
 * @param {string} hash
 */
function bundlePath(build, hash) {
  return join(build.cacheDir, `${build.name}-${hash}.mjs`);
}

/**
 * Several bot instances may start, and build, at once: none may import a half-written file.
 *
 * @param {string} path
 * @param {string} text
 */
async function writeAtomically(path, text) {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

/**
 * Deletes this entry's bundles of older sources that nobody started from for a while.
 *
 * @param {Build} build
 * @param {string} keep
 */
async function removeStaleBundles(build, keep) {
  const nowMs = Date.now();
  for (const file of await readdir(build.cacheDir)) {
    const path = join(build.cacheDir, file);
    if (!file.startsWith(`${build.name}-`) || path === keep || path === `${keep}.map`) continue;
    try {
      if (nowMs - (await stat(path)).mtimeMs > STALE_AFTER_MS) await rm(path, { force: true });
    } catch {
      // another process removed it first
    }
  }
}
