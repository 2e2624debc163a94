#!/usr/bin/env node
// botcap is written in TypeScript, and `npx botcap` works straight from a clone: each command runs from a bundle
// of this repository's modules (bin/prebuilt.js, built on first use and whenever a source changes), plain
// JavaScript for Node's own loader. Through tsx instead, its module-loader thread (a second V8 isolate) and what
// it compiled would cost ~35 MB of RSS per process: a quarter of a bot instance's budget (issue 3: < 150 MB), and
// part of the load generator's (issue 16: < 200 MB at 10,000 users), which are the lab's own overhead.
// `botcap bot` and the run reaper have bundles of their own modules only (a run starts many of them); every other
// command shares the CLI's. When a bundle cannot be built, the command runs through tsx and says why.
const BUNDLED = { bot: 'cli/bot-main.ts', 'run-reaper': 'cli/reaper-main.ts' };
const [command] = process.argv.slice(2);
const entry = Object.hasOwn(BUNDLED, command) ? BUNDLED[command] : 'cli/main.ts';
const { main } = (await prebuilt(entry)) || (await throughTsx(`../${entry}`));
await main(process.argv);

/** The bundled entry, or undefined (with the reason on stderr) when it cannot be built here. */
async function prebuilt(entryPath) {
  let entry;
  try {
    const { prebuiltEntry } = await import('./prebuilt.js');
    entry = await prebuiltEntry(entryPath);
  } catch (error) {
    process.stderr.write(`botcap: running ${entryPath} through tsx, it could not be bundled: ${error.message}\n`);
    return undefined;
  }
  return import(entry);
}

async function throughTsx(specifier) {
  const { register } = await import('tsx/esm/api');
  register();
  return import(specifier);
}
