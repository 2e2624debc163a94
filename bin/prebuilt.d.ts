// Types of bin/prebuilt.js for the TypeScript that imports it (tests, benchmarks); the JSDoc there says the same.

export interface PrebuiltOptions {
  /** The project the entry belongs to. Default: this repository. */
  root?: string;
  /** Where bundles go. Default: `<root>/node_modules/.cache/botcap`. */
  cacheDir?: string;
}

/**
 * The file URL of `entry` (a path from the root, e.g. `cli/bot-main.ts`) bundled as an ES module: the bundle of the
 * current sources, built now unless it already exists.
 */
export function prebuiltEntry(entry: string, options?: PrebuiltOptions): Promise<string>;

/** Where the manifest of `entry`'s bundle for this checkout is kept (what it was built from, its hash). */
export function prebuiltManifest(entry: string, options?: PrebuiltOptions): string;
