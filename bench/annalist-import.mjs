#!/usr/bin/env node
// The JSON import benchmark (docs/export.md, "Importing"): makes the demo site and its Annalist JSON export with
// the CLI, then times `annalist import annalist` (seconds and peak RSS from /usr/bin/time) on
//   - the demo export as it is,
//   - the demo with one thread of N and of 2N replies (the ratio 2N ÷ N is about 2 when each reply costs the
//     same, about 4 when each one re-reads its thread),
//   - hostile files: an unknown 30 MB top-level value, an author bio of 8 million [], a 30 MB bio text, a
//     source with 8 million [] in its CSL item,
// each into a fresh data folder, and prints a Markdown table: peak RSS stays near the demo's whatever the file.
//   node bench/annalist-import.mjs            REPLIES=20000 (default)
// Everything is in a temp folder removed at the end, also on error or Ctrl-C; SQLite only.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPLIES = Number(process.env.REPLIES ?? '20000');
const work = mkdtempSync(join(tmpdir(), 'annalist-import-bench-'));
const cleanup = () => rmSync(work, { recursive: true, force: true });
process.once('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const log = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] annalist-import: ${msg}\n`);

/** `annalist …` through the CLI entry (the bundle), under /usr/bin/time: exit status, seconds, peak RSS (MB). */
function annalist(args) {
  const started = process.hrtime.bigint();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(ROOT, 'bin/annalist.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lines = run.stderr.trim().split('\n');
  const rssMb = Number(lines.at(-1)) / 1024;
  const said = lines.slice(0, -1).filter((l) => !l.startsWith('Command exited'));
  return { status: run.status, seconds, rssMb, out: run.stdout, said: said.join(' ') };
}

/** Writes `parts` (strings, or lists and generators of them) to a file without holding it whole. */
async function writeParts(file, parts) {
  const out = createWriteStream(file);
  const put = async (part) => {
    if (typeof part !== 'string') for (const p of part) await put(p);
    else if (!out.write(part)) await new Promise((r) => out.once('drain', r));
  };
  await put(parts);
  await new Promise((r) => out.end(r));
}

function* repeated(piece, times) {
  const per = Math.max(1, Math.floor(65_536 / piece.length));
  for (let done = 0; done < times; done += per) yield piece.repeat(Math.min(per, times - done));
}

/** The document with `marker` (a string value) replaced by what `middle` writes. */
function around(doc, marker, middle) {
  const text = JSON.stringify(doc);
  const at = text.indexOf(JSON.stringify(marker));
  return [text.slice(0, at), middle, text.slice(at + JSON.stringify(marker).length)];
}

function withThread(doc, n) {
  const d = structuredClone(doc);
  const post = d.posts.find((p) => p.status === 'published' && p.type === 'post');
  const first = Math.max(...d.comments.map((c) => c.id)) + 1;
  const at = '2025-09-01T00:00:00.000Z';
  for (let i = 0; i <= n; i++)
    d.comments.push({
      id: first + i,
      post_id: post.id,
      parent_id: i === 0 ? null : first,
      thread_id: first,
      depth: i === 0 ? 0 : 1,
      author_name: `Reader ${i}`,
      author_email: `reader${i}@example.org`,
      author_url: null,
      user_id: null,
      body_markdown: i === 0 ? 'Where did the cavalry cross?' : `Comment number ${i}, with a few words.`,
      quoted_comment_id: null,
      quoted_text: null,
      status: 'approved',
      moderation_reasons: [],
      created_at: at,
      updated_at: null,
      approved_at: at,
    });
  return d;
}

try {
  const demoDir = join(work, 'demo');
  log('making the demo site and its export');
  if (annalist(['demo', '--data-dir', demoDir]).status !== 0) throw new Error('annalist demo failed');
  const exported = join(work, 'demo.json');
  if (annalist(['export', 'json', '--out', exported, '--data-dir', demoDir]).status !== 0)
    throw new Error('annalist export json failed');
  const doc = JSON.parse(readFileSync(exported, 'utf8'));
  const header = `{${['format', 'version', 'exported_at', 'annalist_version', 'includes_media_bytes', 'site']
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(doc[k])}`)
    .join(',')}`;
  const bio = structuredClone(doc);
  bio.authors[0].bio = '@@x@@';
  const csl = structuredClone(doc);
  csl.sources[0].csl.note = '@@x@@';
  const files = {
    demo: [JSON.stringify(doc)],
    [`thread of ${REPLIES / 2} replies`]: [JSON.stringify(withThread(doc, REPLIES / 2))],
    [`thread of ${REPLIES} replies`]: [JSON.stringify(withThread(doc, REPLIES))],
    'unknown key, 30 MB of 0': [header, ',"junk":[0', repeated(',0', 15_000_000), ']}'],
    'bio of 8 M []': around(bio, '@@x@@', ['[[]', repeated(',[]', 8_000_000), ']']),
    'bio of 30 MB text': around(bio, '@@x@@', ['"', repeated('B', 30_000_000), '"']),
    'CSL item of 8 M []': around(csl, '@@x@@', ['[[]', repeated(',[]', 8_000_000), ']']),
  };
  const rows = [];
  const seconds = {};
  for (const [name, parts] of Object.entries(files)) {
    const file = join(work, 'in.json');
    await writeParts(file, parts);
    log(`importing: ${name}`);
    const r = annalist(['import', 'annalist', file, '--data-dir', join(work, `site-${rows.length}`)]);
    seconds[name] = r.seconds;
    const outcome = r.status === 0 ? 'imported' : r.said.replace(/^annalist: /, '').slice(0, 90);
    rows.push(`| ${name} | ${r.seconds.toFixed(2)} | ${r.rssMb.toFixed(0)} | ${outcome} |`);
  }
  // The replies' own cost: each import's time less the demo's (start-up, the articles rendered).
  const extra = (n) => seconds[`thread of ${n} replies`] - seconds.demo;
  const ratio = extra(REPLIES) / extra(REPLIES / 2);
  process.stdout.write(
    [
      '| file | seconds (CLI, start to exit) | peak RSS (MB) | outcome |',
      '|---|---|---|---|',
      ...rows,
      '',
      `Time the replies add to the demo's import: ${extra(REPLIES / 2).toFixed(2)} s for ${REPLIES / 2}, ` +
        `${extra(REPLIES).toFixed(2)} s for ${REPLIES}: ${ratio.toFixed(2)}× for twice the replies (2 = linear, 4 = quadratic).`,
      '',
    ].join('\n'),
  );
} finally {
  cleanup();
}
