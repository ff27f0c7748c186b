import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Fastify from 'fastify';
import { logRequests } from '../../src/web/kit/request-log.ts';
import { serveAnnalist } from '../support/process.ts';
import { until } from '../support/until.ts';

// Issue 16: the default log is not two JSON lines per request. One line per request at debug, and one summary
// line a minute at info; `annalist serve` on an empty folder says it created the demo there.

/** A stream that keeps every log line, parsed. */
function lineCollector() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

test('at info the requests are summed up (count, errors, p50 and p99) and none is logged on its own', async () => {
  const { lines, stream } = lineCollector();
  const app = Fastify({ logger: { level: 'info', stream } });
  let hits = 3;
  logRequests(app, {
    intervalMs: 100,
    cacheHits: () => {
      const n = hits;
      hits = 0;
      return n;
    },
  });
  app.get('/ok', async () => 'fine');
  app.get('/broken', async () => {
    throw new Error('boom');
  });
  try {
    for (let i = 0; i < 4; i++) assert.equal((await app.inject('/ok')).statusCode, 200);
    assert.equal((await app.inject('/broken')).statusCode, 500);
    assert.equal((await app.inject('/missing')).statusCode, 404);
    await until('the summary line', () => lines.some((l) => l.msg === 'requests in the last minute'));
    const summary = lines.find((l) => l.msg === 'requests in the last minute')!;
    assert.equal(summary.requests, 9, 'six answered by the router and three cache hits');
    assert.equal(summary.errors, 1);
    assert.equal(summary.refused, 1);
    assert.equal(summary.cacheHits, 3);
    assert.equal(typeof summary.p50Ms, 'number');
    assert.ok((summary.p99Ms as number) >= (summary.p50Ms as number));
    assert.equal(lines.filter((l) => l.msg === 'request').length, 0, 'no line per request at info');
  } finally {
    await app.close();
  }
});

test('at debug each request gets one line with its method, address, status and time', async () => {
  const { lines, stream } = lineCollector();
  const app = Fastify({ logger: { level: 'debug', stream } });
  logRequests(app, { intervalMs: 60_000, cacheHits: () => 0 });
  app.get('/ok', async () => 'fine');
  try {
    await app.inject('/ok?x=1');
    await until('the request line', () => lines.some((l) => l.msg === 'request'));
    const line = lines.find((l) => l.msg === 'request')!;
    assert.equal(line.method, 'GET');
    assert.equal(line.url, '/ok?x=1');
    assert.equal(line.status, 200);
    assert.equal(typeof line.ms, 'number');
  } finally {
    await app.close();
  }
});

test('annalist serve on an empty folder says it created the demo there, and at the default level logs no request', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'annalist-log-'));
  let child: ChildProcess | undefined;
  let out = '';
  try {
    const origin = await serveAnnalist({ ANNALIST_DATA_DIR: dir, LOG_LEVEL: 'info' }, (c) => {
      child = c;
      c.stdout?.on('data', (d) => {
        out += d;
      });
      c.stderr?.on('data', (d) => {
        out += d;
      });
    });
    for (const path of ['/', '/khalkhin-gol-1939/', '/admin/sign-in', '/no-such-page/']) await fetch(origin + path);
    assert.match(
      out,
      new RegExp(`Created a demo site in ${join(dir, 'annalist.db').replace(/[.]/g, '\\.')}: \\d+ articles`),
    );
    assert.match(out, /one-time link/);
    assert.match(out, new RegExp(`sign in at ${origin}/admin/`));
    const exited = new Promise((r) => child!.once('exit', r));
    child!.kill('SIGTERM');
    await exited;
    const requestLines = out
      .split('\n')
      .filter((l) => /"msg":"(incoming request|request completed|request)"/.test(l) || /"url":"\//.test(l));
    assert.deepEqual(requestLines, [], out);
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
