#!/usr/bin/env node
// `npm test`: typecheck, lint, then every test file with Node's test runner (Node 20 does not expand globs).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'support' ? [] : testFiles(path);
    return /\.test\.tsx?$/.test(name) ? [relative(root, path)] : [];
  });
}

if (only.length === 0) {
  run('npx', ['tsc', '--noEmit', '-p', '.']);
  run('npx', ['biome', 'check', '--error-on-warnings', '.']);
}
const files = only.length ? only : testFiles(join(root, 'test')).sort();
run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files]);
