#!/usr/bin/env node
// botcap is written in TypeScript and runs through tsx, so `npx botcap` works straight from a clone.
// `botcap bot` runs from a bundle of its own modules instead (bin/prebuilt.js): tsx's module-loader thread alone
// would take a quarter of a bot instance's memory budget (issue 3: < 150 MB RSS), and a run starts many instances.
// The run reaper (environment/run-registry.ts) is bundled too: one starts beside every run.
const BUNDLED = { bot: 'cli/bot-main.ts', 'run-reaper': 'cli/reaper-main.ts' };
const [command] = process.argv.slice(2);
const bundled = Object.hasOwn(BUNDLED, command) ? BUNDLED[command] : undefined;
const { main } =
  (bundled !== undefined && (await prebuilt(bundled))) || (await throughTsx(`../${bundled ?? 'cli/main.ts'}`));
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
