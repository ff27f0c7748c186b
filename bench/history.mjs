#!/usr/bin/env node
// The history benchmark (issue 17, decision 044; see bench/README.md): a site with EVENTS dated events (default
// 50,000) and one person mentioned by MENTIONS published articles (default 10,000), each article mentioning the
// person and five events (so every event is on the site timeline), a place mentioned by one article in twenty.
// Bulk-inserted with better-sqlite3 into a data folder `annalist demo` created, served by `annalist serve` with the
// page cache off, and measured one request at a time: /timeline/, /timeline/?zoom=year&from=1939, the timeline
// filtered by the place and by the person, and the person's page (page 1 and a deep page). Target: p99 < 20 ms.
//   node bench/history.mjs [--out DIR]          EVENTS=2000 MENTIONS=400 HISTORY_REQUESTS=50 node bench/history.mjs
// The generated data is never kept: the temp folder is removed at the end, also on error or Ctrl-C.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startUncachedServer, timedGet } from './uncached-server.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const EVENTS = Number(process.env.EVENTS ?? '50000');
const MENTIONS = Number(process.env.MENTIONS ?? '10000');
const REQUESTS = Number(process.env.HISTORY_REQUESTS ?? '300');
const WARMUP = Number(process.env.HISTORY_WARMUP ?? '30');
const LIMIT_MS = 20;
const args = process.argv.slice(2);
const outDir = args[0] === '--out' ? args[1] : undefined;
const log = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] history: ${msg}\n`);

let server;
const DATA = mkdtempSync(join(tmpdir(), 'annalist-bench-history-'));
function cleanup() {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  rmSync(DATA, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    log(`${sig}: stopping`);
    process.exit(130);
  });

// Day numbers as src/modules/history/day-number.ts counts them (days since 1970-01-01, proleptic Gregorian).
function dayNumber(year, month, day) {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}
const edtfYear = (y) => (y < 0 ? `-${String(-y).padStart(4, '0')}` : String(y).padStart(4, '0'));
const two = (n) => String(n).padStart(2, '0');

/** Event i's date: years BCE to 2020 in order, as a year, an approximate month, a day or an interval of days. */
function eventDate(i) {
  const year = -3000 + Math.floor((i * 5020) / EVENTS);
  const month = 1 + (i % 12);
  const day = 1 + (i % 28);
  switch (i % 4) {
    case 0:
      return { text: edtfYear(year), lower: dayNumber(year, 1, 1), upper: dayNumber(year, 12, 31) };
    case 1: {
      const end = month === 12 ? dayNumber(year + 1, 1, 1) - 1 : dayNumber(year, month + 1, 1) - 1;
      return { text: `${edtfYear(year)}-${two(month)}~`, lower: dayNumber(year, month, 1), upper: end };
    }
    case 2:
      return {
        text: `${edtfYear(year)}-${two(month)}-${two(day)}?`,
        lower: dayNumber(year, month, day),
        upper: dayNumber(year, month, day),
      };
    default:
      return {
        text: `${edtfYear(year)}-${two(month)}-${two(day)}/${edtfYear(year)}-${two(month)}-${two(day + 1)}`,
        lower: dayNumber(year, month, day),
        upper: dayNumber(year, month, day + 1),
      };
  }
}

function generate() {
  execFileSync(process.execPath, [join(ROOT, 'bin/annalist.js'), 'demo'], {
    env: { ...process.env, ANNALIST_DATA_DIR: DATA, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const db = new Database(join(DATA, 'annalist.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const t = db
    .prepare(
      `select standfirst, excerpt, body_html, toc_json, word_count, render_version from posts
       join post_bodies on post_bodies.post_id = posts.id where type = 'post' and status = 'published' limit 1`,
    )
    .get();
  const now = '2025-01-01T00:00:00.000Z';
  const insEntity = db.prepare(
    `insert into entities (kind, slug, name, description, date_text, date_lower, date_upper, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const eventIds = [];
  let person;
  let place;
  db.transaction(() => {
    for (let i = 0; i < EVENTS; i++) {
      const d = eventDate(i);
      const id = insEntity.run(
        'event',
        `bench-event-${i}`,
        `Generated event ${i}`,
        `Event number ${i}.`,
        d.text,
        d.lower,
        d.upper,
        now,
        now,
      );
      eventIds.push(Number(id.lastInsertRowid));
    }
    const life = { text: '1896/1974', lower: dayNumber(1896, 1, 1), upper: dayNumber(1974, 12, 31) };
    person = Number(
      insEntity.run(
        'person',
        'bench-person',
        'A Much-Mentioned Person',
        'Mentioned everywhere.',
        life.text,
        life.lower,
        life.upper,
        now,
        now,
      ).lastInsertRowid,
    );
    place = Number(
      insEntity.run('place', 'bench-place', 'A Sometimes-Mentioned Place', '', null, null, null, now, now)
        .lastInsertRowid,
    );
  })();
  const insPost = db.prepare(
    `insert into posts (type, slug, title, standfirst, excerpt, status, published_at, updated_at, created_at,
       word_count, render_version, comments_open, comment_count, thread_count, version)
     values ('post', ?, ?, ?, ?, 'published', ?, null, ?, ?, ?, 1, 0, 0, 1)`,
  );
  const insBody = db.prepare('insert into post_bodies (post_id, body_md, body_html, toc_json) values (?, ?, ?, ?)');
  const insMention = db.prepare(
    'insert or ignore into entity_mentions (entity_id, post_id, visible_from) select ?, id, published_at from posts where id = ?',
  );
  const perArticle = Math.max(1, Math.ceil(EVENTS / MENTIONS));
  db.transaction(() => {
    for (let i = 0; i < MENTIONS; i++) {
      const at = new Date(Date.parse('2010-01-01T00:00:00Z') + i * 3_600_000).toISOString();
      const id = Number(
        insPost.run(
          `history-bench-${i}`,
          `Generated article ${i}`,
          t.standfirst,
          t.excerpt,
          at,
          at,
          t.word_count,
          t.render_version,
        ).lastInsertRowid,
      );
      const events = eventIds.slice(i * perArticle, (i + 1) * perArticle);
      const md = `On :person[them]{#bench-person}${i % 20 === 0 ? ' at :place[the place]{#bench-place}' : ''}: ${events.map((_, k) => `:event[event]{#bench-event-${i * perArticle + k}}`).join(', ')}.`;
      insBody.run(id, md, t.body_html, t.toc_json);
      insMention.run(person, id);
      if (i % 20 === 0) insMention.run(place, id);
      for (const e of events) insMention.run(e, id);
    }
  })();
  db.pragma('optimize');
  db.close();
  return { perArticle };
}

const startServer = () =>
  startUncachedServer(DATA, (child) => {
    server = child;
  });
const get = timedGet;

async function measure(url) {
  for (let k = 0; k < WARMUP; k++) await get(url);
  const times = [];
  for (let k = 0; k < REQUESTS; k++) {
    const r = await get(url);
    if (r.status !== 200) throw new Error(`${url} answered HTTP ${r.status}`);
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
  return { p50: q(0.5), p99: q(0.99), n: times.length };
}

async function main() {
  log(`generating ${EVENTS} events and ${MENTIONS} articles mentioning one person in ${DATA}`);
  const t0 = performance.now();
  generate();
  const genSeconds = (performance.now() - t0) / 1000;
  const base = await startServer();
  log(`serving at ${base} (pid ${server.pid})`);
  const deep = Math.max(1, Math.floor(MENTIONS / 50) - 1);
  const targets = [
    ['/timeline/', '/timeline/'],
    ['/timeline/?zoom=year&from=1939', '/timeline/?zoom=year&from=1939'],
    ['timeline filtered by a place (1 article in 20)', '/timeline/?place=bench-place&zoom=decade'],
    ['timeline filtered by the person (every article), from 1500', '/timeline/?person=bench-person&from=1500'],
    [`person page, ${MENTIONS} mentions, page 1`, '/people/bench-person/'],
    [`person page, page ${deep}`, `/people/bench-person/?page=${deep}`],
  ];
  const rows = [];
  for (const [name, path] of targets) {
    log(`measuring ${name}`);
    rows.push({ name, path, ...(await measure(base + path)) });
  }
  const f = (n) => n.toFixed(2);
  const md = [
    `## History: ${EVENTS.toLocaleString('en')} events, one person mentioned by ${MENTIONS.toLocaleString('en')} published articles (SQLite, page cache off, 1 connection)`,
    '',
    `Generated in ${genSeconds.toFixed(1)} s. ${REQUESTS} requests per target after ${WARMUP} warm-up, one at a time on one keep-alive connection.`,
    '',
    '| target | address | requests | p50 ms | p99 ms | target | met |',
    '|---|---|---:|---:|---:|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | \`${r.path}\` | ${r.n} | ${f(r.p50)} | ${f(r.p99)} | p99 < ${LIMIT_MS} ms | ${r.p99 < LIMIT_MS ? 'yes' : 'NO'} |`,
    ),
    '',
  ].join('\n');
  process.stdout.write(`${md}\n`);
  if (outDir) {
    writeFileSync(join(outDir, 'history.md'), md);
    writeFileSync(join(outDir, 'history.json'), JSON.stringify({ events: EVENTS, mentions: MENTIONS, rows }, null, 2));
  }
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  log(`server peak RSS ${(Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? 0) / 1024).toFixed(0)} MB`);
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`error: ${err.message}`);
    process.exit(1);
  },
);
