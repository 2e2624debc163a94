#!/usr/bin/env node
// botcap is written in TypeScript and runs through tsx, so `npx botcap` works straight from a clone.
// `botcap bot` runs from a bundle of its own modules instead (bin/prebuilt.js): tsx's module-loader thread alone
// would take a quarter of a bot instance's memory budget (issue 3: < 150 MB RSS), and a run starts many instances.
const [command] = process.argv.slice(2);
const { main } = (command === 'bot' && (await prebuiltBot())) || (await throughTsx('../cli/main.ts'));
await main(process.argv);

/** The bundled `botcap bot`, or undefined (with the reason on stderr) when it cannot be built here. */
async function prebuiltBot() {
  let entry;
  try {
    const { prebuiltEntry } = await import('./prebuilt.js');
    entry = await prebuiltEntry('cli/bot-main.ts');
  } catch (error) {
    process.stderr.write(`botcap: running the bot through tsx, it could not be bundled: ${error.message}\n`);
    return undefined;
  }
  return import(entry);
}

async function throughTsx(specifier) {
  const { register } = await import('tsx/esm/api');
  register();
  return import(specifier);
}
