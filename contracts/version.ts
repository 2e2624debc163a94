import { readFileSync } from 'node:fs';

/** botcap's version, read once from package.json so `--version` and every RunResult agree. */
export const BOTCAP_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
