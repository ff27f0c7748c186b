#!/usr/bin/env node
// What readers commenting cost the server by itself (issue 14's 20-a-second target): one Annalist (SQLite, the
// demo, moderation relaxed), bench/comment-poster.mjs at RATE comments a second on ARTICLE for SECONDS, nothing
// else; prints the server's CPU (user + system, from /proc) as a share of one core and per accepted comment.
//   node bench/comment-cost.mjs            (RATE=20 SECONDS=10 ARTICLE=/lake-khasan-1938/ WAY=island|form; Linux only)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, demoFolder, ROOT, serve, sleep, startChild, stopChild } from './sitemap-kit.mjs';

const RATE = process.env.RATE ?? '20';
const SECONDS = process.env.SECONDS ?? '10';
const ARTICLE = process.env.ARTICLE ?? '/lake-khasan-1938/';
const WAY = process.env.WAY ?? 'island'; // bench/comment-poster.mjs --way: island or form

/** CPU milliseconds a process has used (utime + stime, in clock ticks of 10 ms). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const server = await serve(ROOT, demoFolder(ROOT, 'comment-cost', { relaxed: true }));
try {
  await (await fetch(`${server.url}${ARTICLE}`)).text();
  await sleep(1000);
  const before = cpuMs(server.child.pid);
  const started = Date.now();
  const args = ['--base', server.url, '--article', ARTICLE, '--rate', RATE, '--seconds', SECONDS, '--way', WAY];
  const poster = startChild(process.execPath, [join(BENCH_DIR, 'comment-poster.mjs'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  poster.stdout.on('data', (d) => {
    out += d;
  });
  await new Promise((resolve) => poster.once('exit', resolve));
  const used = cpuMs(server.child.pid) - before;
  const result = JSON.parse(out.trim().split('\n').at(-1));
  const share = (100 * used) / (Date.now() - started);
  console.log(
    `${result.accepted} of ${result.attempted} comments accepted at ${RATE}/s: server CPU ${share.toFixed(1)} % of a core, ` +
      `${(used / Math.max(1, result.accepted)).toFixed(1)} ms per comment (--way ${WAY}); ` +
      `the readers' own process ${(result.posterCpuMs / Math.max(1, result.accepted)).toFixed(1)} ms per comment`,
  );
} finally {
  await stopChild(server.child);
}
