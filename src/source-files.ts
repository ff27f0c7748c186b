/**
 * Files that live beside the code (the citation style, the demo's content, the reader assets, the browser
 * islands' sources) are found from here: `src/`, also when the code runs from a bundle in `dist/`
 * (`annalist.mjs`, `render-worker.mjs`) that bin/annalist.js builds (decision 019), where every module's
 * import.meta.url is the bundle's.
 */
const BUNDLED = /\/dist\/[^/]+\.mjs$/.test(import.meta.url);
const SRC = new URL(BUNDLED ? '../src/' : './', import.meta.url);

/**
 * The folder of worker entries bundled with the test files (scripts/test-bundle.mjs writes its URL in with
 * esbuild's `define`): the tests' worker threads then start from plain JavaScript, not through tsx. Absent
 * everywhere else.
 */
declare const __ANNALIST_WORKER_BUNDLES__: string | undefined;
const WORKER_BUNDLES = typeof __ANNALIST_WORKER_BUNDLES__ === 'string' ? __ANNALIST_WORKER_BUNDLES__ : undefined;

/** The URL of a file under src/, e.g. sourceFile('web/assets/site.css'). */
export function sourceFile(path: string): URL {
  return new URL(path, SRC);
}

/**
 * How to start the worker thread whose entry is `src/<name>.ts`: its bundle `dist/<name>.mjs` beside ours, or,
 * running from the sources, a small starter that loads the TypeScript through tsx (a worker does not inherit
 * the loader of the thread that starts it).
 */
export function workerEntry(name: string): { file: URL; workerData: { entry?: string } } {
  if (BUNDLED) return { file: new URL(`./${name}.mjs`, import.meta.url), workerData: {} };
  if (WORKER_BUNDLES) return { file: new URL(`${name}.mjs`, WORKER_BUNDLES), workerData: {} };
  return { file: sourceFile('worker-start.mjs'), workerData: { entry: sourceFile(`${name}.ts`).href } };
}
