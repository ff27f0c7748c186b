#!/usr/bin/env node
// Entry point for `npx annalist` and `npm start`. The TypeScript sources in src/ are bundled with esbuild into
// dist/annalist.mjs, with the worker threads' entries src/render-worker.ts and src/restore-worker.ts as
// dist/render-worker.mjs and dist/restore-worker.mjs (under a second; again whenever a file in src/ is newer
// than the bundles), and the bundle runs on plain Node: no loader
// thread, and about 70 MB less memory than compiling each module as it loads (decision 019). Where the bundle cannot be written, the sources run through tsx as before.
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const bundle = join(root, 'dist', 'annalist.mjs');
const ENTRIES = {
  annalist: join(src, 'cli.ts'),
  'render-worker': join(src, 'render-worker.ts'),
  'restore-worker': join(src, 'restore-worker.ts'),
};

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

async function freshBundle() {
  let built = 0;
  try {
    built = Math.min(...Object.keys(ENTRIES).map((name) => statSync(join(root, 'dist', `${name}.mjs`)).mtimeMs));
  } catch {}
  if (built > newestSource(src)) return true;
  try {
    const { build } = await import('esbuild');
    mkdirSync(dirname(bundle), { recursive: true });
    // Written aside and renamed: processes starting together never load a half-written bundle.
    const result = await build({
      entryPoints: ENTRIES,
      outdir: dirname(bundle),
      outExtension: { '.js': '.mjs' },
      write: false,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      logLevel: 'error',
    });
    // Maps first, then the bundles that point at them; the main bundle last, as freshness is judged by both.
    const order = (f) => (f.path.endsWith('.map') ? 0 : f.path === bundle ? 2 : 1);
    for (const file of result.outputFiles.sort((a, b) => order(a) - order(b))) {
      const tmp = `${file.path}.${process.pid}.tmp`;
      writeFileSync(tmp, file.contents);
      renameSync(tmp, file.path);
    }
    return true;
  } catch (err) {
    process.stderr.write(
      `annalist: running from the TypeScript sources (the bundle could not be built: ${err.message})\n`,
    );
    return false;
  }
}

if (await freshBundle()) {
  // Stack traces in logs point into src/, not into the bundle.
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
