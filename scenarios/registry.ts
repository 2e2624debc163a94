import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ScenarioError } from '../common/errors.ts';
import concurrent500 from './500-concurrent.ts';
import peak10am from './peak-10am.ts';
import type { Scenario } from './schema.ts';
import smoke from './smoke.ts';
import { parseScenario } from './validate.ts';

/** The scenarios that ship with botcap, by name. Each module validated itself when imported. */
const BUILT_IN: ReadonlyMap<string, Scenario> = new Map([smoke, concurrent500, peak10am].map((s) => [s.name, s]));

/** A built-in scenario as `botcap run --list` shows it. */
export interface ScenarioSummary {
  name: string;
  description: string;
  executor: Scenario['load']['executor'];
  timeScale: Scenario['timeScale'];
}

/**
 * The built-in scenarios.
 *
 * @example
 * listScenarios().map((s) => s.name) // ['smoke', '500-concurrent', 'peak-10am']
 */
export function listScenarios(): ScenarioSummary[] {
  return [...BUILT_IN.values()].map((s) => ({
    name: s.name,
    description: s.description,
    executor: s.load.executor,
    timeScale: s.timeScale,
  }));
}

/**
 * A scenario by built-in name, or from a file a user wrote: a `.ts`/`.mts`/`.js` module whose default (or
 * `scenario`) export is the scenario, or a `.json` file. Always validated; problems name the field.
 *
 * @example
 * await loadScenario('peak-10am');
 * await loadScenario('./my-scenarios/night.ts');
 */
/**
 * The first syntax error of a TypeScript/JavaScript file with its line and column, or undefined when it parses.
 * A file that does not parse fails to import with a loader's message about module cycles; this one says where.
 */
async function syntaxError(path: string): Promise<string | undefined> {
  const { transform } = await import('esbuild');
  try {
    await transform(await readFile(path, 'utf8'), {
      loader: extname(path).endsWith('ts') ? 'ts' : 'js',
      sourcefile: path,
    });
    return undefined;
  } catch (error) {
    const first = (error as { errors?: Array<{ text: string; location?: { line: number; column: number } | null }> })
      .errors?.[0];
    if (first === undefined) return undefined;
    const where = first.location ? `line ${first.location.line}, column ${first.location.column + 1}: ` : '';
    return `syntax error at ${where}${first.text}`;
  }
}

/**
 * Imports a scenario module a user wrote. TypeScript goes through tsx's `tsImport`, scoped to that file and
 * what it imports: botcap itself runs from a bundle (bin/botcap.js), where Node 20 cannot import .ts, and a
 * file outside an ESM package (no `"type": "module"` beside it) would otherwise load as CommonJS.
 */
async function importScenarioModule(path: string): Promise<unknown> {
  const url = pathToFileURL(path).href;
  if (!/\.m?ts$/i.test(path)) return import(url);
  const { tsImport } = await import('tsx/esm/api');
  const module = (await tsImport(url, import.meta.url)) as { default?: { __esModule?: boolean } };
  // Outside an ESM package tsx compiles to CommonJS, and the namespace's default is the CommonJS exports.
  return module.default?.__esModule === true ? module.default : module;
}

export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const builtIn = BUILT_IN.get(nameOrPath);
  if (builtIn !== undefined) return builtIn;
  const extension = extname(nameOrPath).toLowerCase();
  if (!['.ts', '.mts', '.js', '.mjs', '.json'].includes(extension)) {
    throw new ScenarioError(
      `unknown scenario '${nameOrPath}'; use one of ${[...BUILT_IN.keys()].join(', ')}, or a path to a .ts or .json scenario file`,
    );
  }
  const path = resolve(nameOrPath);
  let input: unknown;
  try {
    if (extension === '.json') input = JSON.parse(await readFile(path, 'utf8'));
    else {
      const module = (await importScenarioModule(path)) as {
        default?: unknown;
        scenario?: unknown;
      };
      input = module.default ?? module.scenario;
    }
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    const syntax = extension === '.json' ? undefined : await syntaxError(path);
    const reason = syntax ?? (error instanceof Error ? error.message : String(error));
    throw new ScenarioError(`cannot read scenario file ${path}: ${reason}`);
  }
  if (input === undefined) {
    throw new ScenarioError(`${path} exports no scenario; export default defineScenario({ ... })`);
  }
  return parseScenario(input, path);
}
