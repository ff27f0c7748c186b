#!/usr/bin/env node
// Readers commenting at a steady rate, as browsers do, for bench/sitemap.mjs (see bench/README.md):
//   node bench/comment-poster.mjs --base http://127.0.0.1:PORT --article /lake-khasan-1938/ --rate 5 --seconds 10
// Each comment is one reader, as a browser: one keep-alive connection of its own, from a loopback address of its
// own (127.96.x.y: posts are limited per address), closed when the reader is done. `--way island` (the default)
// posts as the comment island does: the article page; the form token from `POST /form-token` (cached pages set no
// cookie); the JSON post, whose answer carries the comment the island shows in place (decision 052). `--way form`
// posts as the form does without JavaScript, with that token: the form POST, then the article again after the 303
// with the cookies it set (the writer sees their own comment). Comments start on a fixed schedule (comment i at
// i / rate seconds), whether or not the earlier ones have been answered. Stops after --seconds, or on
// SIGTERM/SIGINT, waits for the comments in flight (5 s at most), and prints one line of JSON: attempts, accepted
// (approved), statuses, errors, latency of the accepted POSTs.
import http from 'node:http';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
};
const BASE = new URL(arg('base', 'http://127.0.0.1:3000'));
const ARTICLE = arg('article', '/lake-khasan-1938/');
const RATE = Number(arg('rate', '5'));
const SECONDS = Number(arg('seconds', '10'));
const RUN = arg('run', String(process.pid));
// island: as the comment island posts (API, the comment shown in place); form: the form without JavaScript.
const WAY = arg('way', 'island');
const SLUG = ARTICLE.split('/').filter(Boolean).pop();
if (!(RATE > 0) || !(SECONDS > 0) || !['island', 'form'].includes(WAY)) {
  console.error(
    'usage: node bench/comment-poster.mjs --base URL --article PATH --rate N --seconds S [--way island|form]',
  );
  process.exit(2);
}

let addressSeq = 0;
/** A fresh loopback source address (127.96.0.1 onwards; never .0 or .255). */
function nextAddress() {
  const k = addressSeq++;
  return `127.${96 + Math.floor(k / 254 / 256)}.${Math.floor(k / 254) % 256}.${(k % 254) + 1}`;
}

/** One request on the reader's connection (`agent`); resolves with status, headers and the time it took. */
function request(path, { method = 'GET', headers = {}, body, agent, keepBody = false }) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(
      { host: BASE.hostname, port: BASE.port, path, method, headers, agent, timeout: 10_000 },
      (res) => {
        let text = '';
        if (keepBody) res.setEncoding('utf8').on('data', (d) => (text += d));
        else res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            headers: res.headers,
            body: text,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.end(body);
  });
}

/** The `name=value` pairs of an answer's Set-Cookie headers. */
const cookiesOf = (res) => [res.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]);
const formCookie = (res) => cookiesOf(res).find((c) => c.startsWith('annalist_form='));

const result = { attempted: 0, accepted: 0, statuses: {}, errors: {}, tokenFrom: { page: 0, 'form-token': 0 } };
const latencies = [];
const count = (table, key) => {
  table[key] = (table[key] ?? 0) + 1;
};

/** One reader: read the article, get a form token, post (the form also reads the article again). */
async function comment(i) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: nextAddress() });
  try {
    await readerComments(i, agent);
  } finally {
    agent.destroy();
  }
}

async function readerComments(i, agent) {
  const origin = BASE.origin;
  const page = await request(ARTICLE, { agent });
  let cookie = formCookie(page);
  if (cookie) result.tokenFrom.page++;
  else {
    const token = await request('/form-token', {
      method: 'POST',
      headers: { origin, 'content-length': '0' },
      agent,
    });
    cookie = formCookie(token);
    if (!cookie) throw new Error(`POST /form-token answered ${token.status} without a form cookie`);
    result.tokenFrom['form-token']++;
  }
  const fields = {
    name: `Bench Reader ${i % 50}`,
    email: `sitemap-${RUN}-${i % 50}@example.org`,
    body: `Sitemap benchmark comment ${RUN}-${i}: the supply lines in the second section deserve a map.`,
  };
  if (WAY === 'form') return postForm(fields, cookie, agent);
  // The comment island: the API, whose answer carries the comment to show in place (no page again).
  const body = JSON.stringify({ ...fields, notify: false });
  const res = await request(`/api/v1/posts/${SLUG}/comments`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      accept: 'application/json',
      origin,
      cookie,
    },
    body,
    agent,
    keepBody: true,
  });
  let answer = {};
  try {
    answer = JSON.parse(res.body).comment ?? {};
  } catch {}
  const ok = res.status === 201 && answer.status === 'approved' && typeof answer.html === 'string';
  count(result.statuses, ok ? '201 approved' : `${res.status} ${answer.status ?? res.body.slice(0, 60)}`);
  if (!ok) return;
  result.accepted++;
  latencies.push(res.ms);
}

/** The form without the island: POST, then the 303's page with what it set (read-your-writes: annalist_seen). */
async function postForm(fields, cookie, agent) {
  const body = new URLSearchParams({ ...fields, url: '', parent_id: '', homepage: '' }).toString();
  const res = await request(`${ARTICLE}comments`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
      origin: BASE.origin,
      cookie,
    },
    body,
    agent,
  });
  const location = String(res.headers.location ?? '');
  const ok = res.status === 303 && location.includes('#comment-');
  count(result.statuses, ok ? '303 accepted' : res.status === 303 ? `303 ${location}` : String(res.status));
  if (!ok) return;
  result.accepted++;
  latencies.push(res.ms);
  const after = cookiesOf(res).join('; ');
  await request(location.split('#')[0], { headers: after ? { cookie: after } : {}, agent });
}

const inFlight = new Set();
let stopping = false;
const t0 = Date.now();

function schedule(i) {
  if (stopping || Date.now() - t0 >= SECONDS * 1000) return finish();
  result.attempted++;
  const p = comment(i)
    .catch((err) => count(result.errors, String(err.message).slice(0, 120)))
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
  const next = t0 + ((i + 1) * 1000) / RATE;
  setTimeout(() => schedule(i + 1), Math.max(0, next - Date.now()));
}

let finished = false;
async function finish() {
  if (finished) return;
  finished = true;
  stopping = true;
  const elapsed = (Date.now() - t0) / 1000;
  await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 5000))]);
  const sorted = latencies.sort((a, b) => a - b);
  const pct = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : null);
  const out = { rate: RATE, seconds: elapsed, ...result, acceptedPerSecond: result.accepted / elapsed };
  out.postP50Ms = pct(0.5);
  out.postP99Ms = pct(0.99);
  // What these readers cost the machine themselves (they share its cores with the server and wrk).
  const cpu = process.cpuUsage();
  out.posterCpuMs = Math.round((cpu.user + cpu.system) / 1000);
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, finish);
schedule(0);
