// The test files of one `npm test` run, bundled with esbuild before they run (issue 15: per-file start-up). Run
// through tsx, every test process compiled and linked the sources it imports and sent every module of
// node_modules through tsx's loader thread: about 3.5 s of CPU before its first test, over 200 times a pass. Here
// the files are bundled once for the run (their TypeScript and ours; packages stay imports), sharing chunks,
// and each process loads plain JavaScript with no loader: about 2.3 s. Stack traces point at the .ts lines
// (inline source maps, --enable-source-maps).
//
// What a bundle changes, and how it is kept as it was:
// - `import.meta.url` (and dirname/filename) would name the bundle: each module's is written as the URL of its
//   own source file, so fixtures, sources and assets are found where they were.
// - An import whose path is not written out (`await import(path)`) cannot be bundled: it would need tsx, which
//   these processes do not load. Tests import sources with literal paths.
// - Child processes the tests start load what they loaded before (bin/annalist.js, or tsx for sources). Worker
//   threads start from the worker entries bundled here beside the tests (src/render-worker.ts,
//   src/restore-worker.ts), whose folder is written into src/source-files.ts with `define`: started through tsx,
//   each worker spent about a second more of CPU compiling before its first task.
// ANNALIST_TEST_BUNDLE=0 runs the sources through tsx as before.
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Rewrites import.meta.url, .dirname and .filename in each source to its own file's, as they were unbundled. */
const keepOwnLocation = {
  name: 'keep-own-location',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const text = (await readFile(args.path, 'utf8'))
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      const ext = args.path.split('.').pop();
      return { contents: text, loader: ext === 'tsx' ? 'tsx' : ext === 'ts' || ext === 'mts' ? 'ts' : 'js' };
    });
  },
};

/** The worker threads' entries (src/source-files.ts, workerEntry), bundled with the tests. */
const WORKER_ENTRIES = ['src/render-worker.ts', 'src/restore-worker.ts'];

/**
 * Bundles `files` (paths relative to `root`) into `outDir` (inside the project, so packages resolve from its
 * node_modules); resolves to a map from each file to its bundle's path, relative to `root`.
 */
export async function bundleTests(root, files, outDir) {
  await build({
    absWorkingDir: root,
    entryPoints: [...files, ...WORKER_ENTRIES],
    define: { __ANNALIST_WORKER_BUNDLES__: JSON.stringify(`${pathToFileURL(join(outDir, 'src')).href}/`) },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir: outDir,
    outbase: root,
    outExtension: { '.js': '.mjs' },
    jsx: 'automatic',
    jsxImportSource: 'preact',
    sourcemap: 'inline',
    sourcesContent: false,
    plugins: [keepOwnLocation],
    logLevel: 'error',
  });
  return new Map(files.map((f) => [f, relative(root, join(outDir, f.replace(/\.tsx?$/, '.mjs')))]));
}
