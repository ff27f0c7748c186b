/**
 * Stored XSS: known attack payloads go into every field a reader (or a reporter) can fill — name, email, website,
 * comment, quote, report note — through the real HTTP form and the JSON API, with moderation relaxed so they are
 * approved (and some held or filed as spam so they reach the moderation queue). Then every place that shows them is
 * checked twice:
 * - as raw HTTP: no <script> but the page's own JSON-LD, no on*= attribute in any tag, no javascript:/data:/vbscript:
 *   link or source, nothing but the comment subset's tags and attributes inside a comment body;
 * - in Chromium, with the site's CSP bypassed (the CSP would block inline script anyway: this tests the escaping
 *   underneath it): every payload calls window.__xss(code) or alert(code), code = payload × 100 + field; any call or
 *   dialog fails, naming the payload and the field. The rendered DOM must hold no on* attribute and no
 *   javascript:/data:/vbscript: URL in href, src, action, formaction (and the like).
 * Feeds and the API are also fed, item by item, into a page the way a naive feed reader or API client would show
 * their HTML, since that is where their `description` and `html` end up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createSignInLink, createUser, setPasswordWithLink } from '../../src/modules/accounts/accounts.service.ts';
import { renderCommentMarkdown } from '../../src/modules/comments/comment-markdown.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { SESSION_COOKIE } from '../../src/web/admin/session.ts';
import { launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { injectFormToken } from '../support/form-token.ts';
import { TEST_BASE_URL } from '../support/site.ts';

const SLUG = 'khalkhin-gol-1939';
const ARTICLE = `/${SLUG}/`;

// ------------------------------------------------------------------------------------------------ the corpus

/** Where a payload went; the code a payload calls is payload number × 100 + field number. */
const FIELDS = {
  1: 'name (form; posted with the comment)',
  2: 'email (form)',
  3: 'website (form)',
  4: 'comment (form)',
  5: 'quote of a reply (form; or the quoted comment itself)',
  6: 'report reason and note',
  7: 'name, website and comment (JSON API)',
  8: 'name, email, website and comment of a HELD comment (moderation queue)',
  9: 'name and comment of a SPAM comment (moderation queue)',
  10: 'every field of a refused form, shown again to its writer',
  11: 'name and comment posted in place by the comment island (with a quote taken in place)',
} as const;
type Field = keyof typeof FIELDS;

/** A payload: its name, and its text given the call that proves it ran (e.g. `__xss(1204)`). */
const CORPUS: [label: string, make: (call: string, alertCall: string) => string][] = [
  ['script tag', (c) => `<script>${c}</script>`],
  ['script tag, mixed case with data: src', (c) => `<ScRiPt SRC="data:text/javascript,${c}"></sCrIpT>`],
  ['img onerror', (c) => `<img src=x onerror=${c}>`],
  ['svg onload', (c) => `<svg onload=${c}>`],
  ['svg with script inside', (c) => `<svg><script>${c}</script></svg>`],
  ['a href javascript:', (c) => `<a href="javascript:${c}">click</a>`],
  ['a href JaVaScRiPt: (mixed case)', (c) => `<a href="JaVaScRiPt:${c}">click</a>`],
  [
    'a href javascript: entity-encoded',
    (c) => `<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;${c}">click</a>`,
  ],
  ['a href javascript: split by tab and newline entities', (c) => `<a href="jav&#x09;ascr&#x0A;ipt:${c}">click</a>`],
  ['markdown link to javascript:', (c) => `[click me](javascript:${c})`],
  ['markdown link to JAVASCRIPT: entity-encoded', (c) => `[click me](&#x4A;AVASCRIPT&colon;${c})`],
  [
    'markdown link to javascript: in pointy brackets',
    (c) => `[click me](<java script:${c}>) and [again](<javascript:${c}>)`,
  ],
  ['markdown reference link to javascript:', (c) => `[click me][evil]\n\n[evil]: javascript:${c}`],
  [
    'markdown link to data: HTML',
    (c) => `[click me](data:text/html;base64,${Buffer.from(`<script>${c}</script>`).toString('base64')})`,
  ],
  ['markdown link to vbscript:', (c) => `[click me](vbscript:${c})`],
  ['autolink to javascript:', (c) => `<javascript:${c}> and <JavaScript:${c}>`],
  [
    'GFM autolink breaking out of href',
    (c) => `see https://example.org/"onmouseover="${c}"x=" and www.example.org/'><script>${c}</script>`,
  ],
  ['markdown image with javascript: and onerror in alt', (c) => `![xss" onerror="${c}](javascript:${c})`],
  ['iframe javascript: src', (c) => `<iframe src="javascript:${c}"></iframe>`],
  [
    'object and embed',
    (c) => `<object data="javascript:${c}"></object><embed src="data:text/html,<script>${c}</script>">`,
  ],
  ['style expression and url()', (c) => `<p style="width:expression(${c});background:url(javascript:${c})">styled</p>`],
  ['attribute breakout "><script>', (c) => `"><script>${c}</script>`],
  ["JavaScript-string breakout '-…-'", (c) => `'-${c}-' and ";${c};//`],
  ['noscript mXSS', (c) => `<noscript><p title="</noscript><img src=x onerror=${c}>">`],
  ['math mi xlink:href mXSS', (c) => `<math><mi//xlink:href="data:x,<script>${c}</script>">`],
  ['svg style namespace confusion', (c) => `<svg><style><img src=x onerror=${c}></style></svg>`],
  [
    'template and formaction',
    (c) => `<template><img src=x onerror=${c}></template><form><button formaction="javascript:${c}">go</button></form>`,
  ],
  ['CSS breakout </style>', (c) => `</style><script>${c}</script><style>`],
  ['textarea breakout </textarea>', (c) => `</textarea><script>${c}</script><textarea>`],
  ['title breakout </title>', (c) => `</title><script>${c}</script>`],
  [
    'unicode: RTL override, full-width brackets, zero-width joiner',
    (c) => `\u202E<img src=x onerror=${c}>\u202C ＜script＞${c}＜/script＞ <scr\u200Dipt>${c}</scr\u200Dipt>`,
  ],
  ['autofocus onfocus calling alert', (_c, a) => `<input autofocus onfocus=${a}>`],
  ['details ontoggle calling alert', (_c, a) => `<details open ontoggle=${a}><summary>x</summary></details>`],
  [
    'base href and meta refresh',
    (c) => `<base href="javascript:${c}//"><meta http-equiv="refresh" content="0;url=javascript:${c}">`,
  ],
  ['template injection', (c) => `{{constructor.constructor('${c}')()}} \${${c}} <%= ${c} %>`],
  ['percent-encoded script', (c) => `%3Cscript%3E${c}%3C%2Fscript%3E and &lt;script&gt;${c}&lt;/script&gt;`],
  [
    '10 KB payload',
    (c) => `<img src=x onerror=${c}>${'A long comment about the Kwantung Army. '.repeat(256)}<script>${c}</script>`,
  ],
];

const call = (n: number, field: Field) => `__xss(${n * 100 + field})`;
const alertCall = (n: number, field: Field) => `alert(${n * 100 + field})`;
const payload = (n: number, field: Field) => CORPUS[n - 1]![1](call(n, field), alertCall(n, field));

/** A website field that passes the http(s) check but tries to break out of href and the page around it. */
function websiteFor(n: number, field: Field): string {
  const text = payload(n, field).replace(/\s+/g, '/');
  return `https://example.org/${text}`.slice(0, 300);
}

/** Email addresses that the address check may let through; they show in the moderation queue. */
function emailFor(n: number, field: Field, i: number): string {
  const code = n * 100 + field;
  const forms = [
    `x'onfocus='__xss\`${code}\`'autofocus='${i}@example.org`,
    `'/onmouseover='__xss\`${code}\`'//${i}@example.org`,
    `x"><img/src=x/onerror=__xss(${code})>${i}@example.org`,
    `javascript:__xss(${code})//${i}@example.org`,
    `{{__xss(${code})}}${i}@example.org`,
  ];
  return forms[n % forms.length]!;
}

/** The payload and the field a code names. */
function describeCode(code: unknown): string {
  const num = Number(Array.isArray(code) ? code[0] : code);
  if (!Number.isInteger(num)) return `unknown code ${String(code)}`;
  const n = Math.floor(num / 100);
  const field = (num % 100) as Field;
  return `payload ${n} (${CORPUS[n - 1]?.[0] ?? '?'}) in ${FIELDS[field] ?? `field ${field}`}`;
}

// ------------------------------------------------------------------------------------------------ checks on HTML

const COMMENT_TAGS = new Set(['p', 'em', 'strong', 'del', 'a', 'blockquote', 'ul', 'ol', 'li', 'code', 'br']);
const COMMENT_ATTRS = new Set(['href', 'class', 'rel', 'start', 'cite']);
const URL_ATTRS = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'xlink:href',
  'data',
  'background',
  'poster',
  'srcdoc',
  'lowsrc',
  'dynsrc',
  'codebase',
  'cite',
]);
const BAD_SCHEME = /^(?:javascript|data|vbscript):/i;

function decodeEntities(s: string): string {
  const named: Record<string, string> = {
    amp: '&',
    lt: '<',
    gt: '>',
    quot: '"',
    apos: "'",
    colon: ':',
    tab: '\t',
    newline: '\n',
  };
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);?/gi, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
      return Number.isFinite(cp) && cp < 0x110000 ? String.fromCodePoint(cp) : m;
    }
    return named[e.toLowerCase()] ?? m;
  });
}

/** The scheme a browser would see in a URL attribute: entities decoded, controls and spaces dropped. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: browsers drop control characters from URLs, so the check must too
const schemeOf = (value: string) => decodeEntities(value).replace(/[\u0000-\u0020\u007f-\u00a0]/g, '');

interface Tag {
  name: string;
  attrs: [string, string][];
  raw: string;
}

function tagsOf(html: string): Tag[] {
  const tags: Tag[] = [];
  for (const m of html.matchAll(/<([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    const attrs: [string, string][] = [];
    for (const a of (m[2] ?? '').matchAll(/([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
      attrs.push([a[1]!.toLowerCase(), a[2] ?? a[3] ?? a[4] ?? '']);
    }
    tags.push({ name: m[1]!.toLowerCase(), attrs, raw: m[0].slice(0, 160) });
  }
  return tags;
}

/** The site's own scripts: JSON-LD data, and its bundled islands from /assets/. Anything else is a reader's. */
const OWN_SCRIPT_SRC = /^\/assets\/[a-z-]+\.[0-9a-f]+\.js$/;
function isOwnScript(t: Tag): boolean {
  const attrs = Object.fromEntries(t.attrs);
  const keys = Object.keys(attrs).sort().join(' ');
  if (keys === 'type') return attrs.type === 'application/ld+json';
  return keys === 'src type' && attrs.type === 'module' && OWN_SCRIPT_SRC.test(attrs.src ?? '');
}

/** What is wrong with a whole HTML document as the server sent it (empty when nothing). */
function pageProblems(html: string): string[] {
  const problems: string[] = [];
  for (const t of tagsOf(html)) {
    if (t.name === 'script' && !isOwnScript(t)) problems.push(`script tag: ${t.raw}`);
    if (['iframe', 'object', 'embed', 'base', 'frame', 'frameset', 'applet'].includes(t.name))
      problems.push(`<${t.name}>: ${t.raw}`);
    if (t.name === 'meta' && t.attrs.some(([k]) => k === 'http-equiv')) problems.push(`meta http-equiv: ${t.raw}`);
    for (const [k, v] of t.attrs) {
      if (/^on/.test(k)) problems.push(`event attribute ${k}: ${t.raw}`);
      if (URL_ATTRS.has(k) && BAD_SCHEME.test(schemeOf(v))) problems.push(`${k} with a script or data URL: ${t.raw}`);
    }
  }
  // JSON-LD must not be closable by its content.
  for (const m of html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)) {
    if (/</.test(m[1]!)) problems.push('a "<" inside JSON-LD');
  }
  for (const m of html.matchAll(/<script [^>]*src="[^"]*"[^>]*>([\s\S]*?)<\/script>/g)) {
    if (m[1]!.trim()) problems.push('inline code in a script that has a src');
  }
  for (const body of commentBodies(html)) problems.push(...fragmentProblems(body, 'comment body'));
  return problems;
}

/** The inner HTML of every comment body (reader pages) and queue item body (moderation queue). */
function commentBodies(html: string): string[] {
  return [...html.matchAll(/<div class="(?:comment__body|prose queue-item__body)">([\s\S]*?)<\/div>/g)].map(
    (m) => m[1]!,
  );
}

/** What is wrong with a piece of a reader's HTML: anything outside the comment subset. */
function fragmentProblems(fragment: string, where: string): string[] {
  const problems: string[] = [];
  for (const t of tagsOf(fragment)) {
    if (!COMMENT_TAGS.has(t.name)) problems.push(`${where}: tag <${t.name}> is not in the comment subset: ${t.raw}`);
    for (const [k, v] of t.attrs) {
      if (!COMMENT_ATTRS.has(k)) problems.push(`${where}: attribute ${k} is not in the comment subset: ${t.raw}`);
      if (k === 'href' && !/^(?:https?:|mailto:|#|\/)/i.test(schemeOf(v)))
        problems.push(`${where}: href ${v.slice(0, 80)}`);
    }
  }
  return problems;
}

// ------------------------------------------------------------------------------------------------ the site

let site: ServedSite;
let browser: TestBrowser;
let page: Page;
/** Every payload code that ran in the browser, with the page it ran on. */
const ran: string[] = [];
let currentlyAt = '';

before(async () => {
  // Dozens of posts from one loopback address: the per-address limit has its own test.
  [site, browser] = await Promise.all([
    startServedSite({ commentPostsPerMinute: 100_000 }),
    launchBrowser({ bypassCSP: true }),
  ]);
  await browser.context.exposeFunction('__xss', (code: unknown) => {
    ran.push(`${describeCode(code)} ran on ${currentlyAt}`);
  });
  page = await browser.newPage();
  page.on('dialog', (d) => {
    ran.push(`${describeCode(d.message())} opened a ${d.type()} dialog on ${currentlyAt}`);
    void d.dismiss().catch(() => undefined);
  });
  await saveModerationSettings(site.site.content, {
    holdFirstComment: false,
    floodSeconds: 0,
    minFormSeconds: 0,
    maxLinks: 1000,
    maxLength: 20_000,
    maxNameLength: 500,
  });
});
after(async () => {
  await browser?.close();
  await site?.close();
});

let ipCounter = 0;
/** A new address per request: the per-address limits are not under test here. */
const nextIp = () => {
  ipCounter++;
  return `198.18.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
};

interface Res {
  statusCode: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
}

async function postForm(url: string, fields: Record<string, string>): Promise<Res> {
  const ip = nextIp();
  const cookie = await injectFormToken(site.app, { remoteAddress: ip });
  return site.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: TEST_BASE_URL, cookie },
    payload: new URLSearchParams(fields).toString(),
    remoteAddress: ip,
  });
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Res> {
  return site.app.inject({ method: 'GET', url, headers, remoteAddress: nextIp() });
}

type Outcome = 'approved' | 'held' | 'spam' | 'refused';
interface Posted {
  n: number;
  field: Field;
  outcome: Outcome;
  id?: number;
  status: number;
  note?: string;
}
const posted: Posted[] = [];
/** Raw HTTP findings: page → problems. */
const httpProblems: string[] = [];

function checkHtml(where: string, html: string) {
  for (const p of pageProblems(html)) httpProblems.push(`${where}: ${p}`);
}

let emailCounter = 0;
const plainEmail = () => `reader${++emailCounter}@example.org`;

/** Posts a comment through the form; a refusal's page (the writer's text shown again) is checked too. */
async function postComment(n: number, field: Field, fields: Record<string, string>): Promise<Posted> {
  const res = await postForm(`${ARTICLE}comments`, fields);
  let rec: Posted;
  const location = String(res.headers.location ?? '');
  if (res.statusCode === 303 && /#comment-\d+$/.test(location)) {
    rec = { n, field, outcome: 'approved', id: Number(location.split('#comment-')[1]), status: 303 };
  } else if (res.statusCode === 303) {
    const row = await site.site.content.db
      .selectFrom('comments')
      .select(['id', 'status'])
      .where('author_email', '=', (fields.email ?? '').trim().toLowerCase())
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    rec = { n, field, outcome: row.status === 'spam' ? 'spam' : 'held', id: row.id, status: 303 };
  } else {
    checkHtml(`refused post of payload ${n} (${FIELDS[field]}), HTTP ${res.statusCode}`, res.body);
    const reason = /<div class="form-alert" role="alert">([\s\S]*?)<\/div>/
      .exec(res.body)?.[1]
      ?.replace(/<[^>]+>/g, ' ');
    rec = {
      n,
      field,
      outcome: 'refused',
      status: res.statusCode,
      note: reason?.replace(/\s+/g, ' ').trim().slice(0, 120),
    };
  }
  posted.push(rec);
  return rec;
}

/** The browser: loads a page, waits for its load events, and collects anything scripty in the DOM. */
async function render(url: string, what: string): Promise<string[]> {
  currentlyAt = what;
  await page.goto(url, { waitUntil: 'load' });
  return domProblems(what);
}

/**
 * Runs in the page: everything scripty in the DOM. A string, not a function: tsx would wrap inner functions in
 * a helper (__name) that does not exist in the page.
 */
const DOM_SCAN = `(() => {
  const urlAttrs = new Set(${JSON.stringify([...URL_ATTRS])});
  const bad = [];
  const label = (el) => '<' + el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '>';
  for (const el of Array.from(document.querySelectorAll('*'))) {
    for (const a of Array.from(el.attributes)) {
      const name = a.name.toLowerCase();
      if (name.startsWith('on')) bad.push(label(el) + ' has ' + name + '="' + a.value.slice(0, 60) + '"');
      if (urlAttrs.has(name) && /^(?:javascript|data|vbscript):/i.test(a.value.replace(/[\\u0000-\\u0020\\u007f-\\u00a0]/g, '')))
        bad.push(label(el) + ' has ' + name + '="' + a.value.slice(0, 60) + '"');
    }
    const tag = el.tagName.toLowerCase();
    if (tag === 'script') {
      const own = el.getAttribute('type') === 'application/ld+json' && !el.hasAttribute('src')
        || el.getAttribute('type') === 'module' && /^\\/assets\\/[a-z-]+\\.[0-9a-f]+\\.js$/.test(el.getAttribute('src') || '') && !el.textContent.trim();
      if (!own || el.attributes.length !== (el.hasAttribute('src') ? 2 : 1)) bad.push('a <script> element: ' + el.outerHTML.slice(0, 80));
    }
    if (['iframe', 'object', 'embed', 'base', 'frame'].includes(tag)) bad.push('an <' + tag + '> element');
    // The site's own drawings (an article's map and timeline chart, a map's key) are SVG; nothing a reader or a
    // writer sends may be, so foreign markup passes only inside those, and never inside rendered text.
    const drawing = el.closest('svg.map, svg.map-key, svg.timeline-axis__svg');
    const ownDrawing = drawing && !drawing.closest('.prose, .comment__body, .queue-item__body, .reader-html');
    if (document.contentType === 'text/html' && el.namespaceURI !== 'http://www.w3.org/1999/xhtml' && !ownDrawing)
      bad.push('a foreign (' + el.namespaceURI + ') element <' + tag + '>');
  }
  for (const body of Array.from(document.querySelectorAll('.comment__body, .queue-item__body, .reader-html')))
    for (const el of Array.from(body.querySelectorAll('[style]'))) bad.push('a style attribute in reader HTML: ' + el.outerHTML.slice(0, 80));
  return bad;
})()`;

async function domProblems(what: string): Promise<string[]> {
  // Let onerror/onload/ontoggle/onfocus fire.
  await page.waitForTimeout(40);
  const found = (await page.evaluate(DOM_SCAN)) as string[];
  return found.map((f) => `${what}: ${f}`);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * How a feed reader or API client shows what it got: the HTML parts as HTML, the text parts as text, links as
 * links. setContent runs scripts like a normal page would.
 */
async function renderAsClient(
  what: string,
  items: { html: string; text: string[]; href?: string | null }[],
): Promise<string[]> {
  currentlyAt = what;
  const body = items
    .map(
      (i) =>
        `<article>${i.href ? `<a href="${escapeHtml(i.href)}">link</a>` : ''}<h2>${i.text.map(escapeHtml).join(' · ')}</h2><div class="reader-html">${i.html}</div></article>`,
    )
    .join('\n');
  await page.goto(`${site.origin}/robots.txt`);
  await page.setContent(`<!DOCTYPE html><html><head><title>client</title></head><body>${body}</body></html>`, {
    waitUntil: 'load',
  });
  return domProblems(what);
}

// ------------------------------------------------------------------------------------------------ the feeds, per batch

/** Comment ids seen in each feed, so every approved comment is checked in both feeds at some point. */
const seenInSiteFeed = new Set<number>();
/** Every comment shown on the article pages, and the page (thread order) it is on. */
const shownIds = new Set<number>();
const pageOfComment = new Map<number, string>();
const seenInArticleFeed = new Set<number>();
const browserProblems: string[] = [];

function feedItems(xmlText: string) {
  const decode = (s: string) => decodeEntities(s);
  return [...xmlText.matchAll(/<item>([\s\S]*?)<\/item>/g)].map((m) => {
    const item = m[1]!;
    const pick = (tag: string) => new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`).exec(item)?.[1] ?? '';
    return {
      id: Number(/#comment-(\d+)/.exec(pick('link'))?.[1]),
      title: decode(pick('title')),
      creator: decode(pick('dc:creator')),
      description: decode(pick('description')),
      raw: item,
    };
  });
}

async function checkFeeds(batch: string) {
  for (const [url, seen] of [
    ['/comments/feed/', seenInSiteFeed],
    [`/${SLUG}/comments/feed/`, seenInArticleFeed],
  ] as const) {
    const res = await get(url);
    assert.equal(res.statusCode, 200, url);
    assert.match(String(res.headers['content-type']), /^application\/rss\+xml/);
    // Everything a reader wrote is escaped once in the XML: no markup of theirs is XML markup.
    const tags = tagsOf(res.body).map((t) => t.name);
    const unexpected = tags.filter(
      (t) =>
        ![
          'rss',
          'channel',
          'title',
          'link',
          'description',
          'language',
          'atom:link',
          'item',
          'guid',
          'dc:creator',
          'pubdate',
        ].includes(t),
    );
    if (unexpected.length)
      httpProblems.push(`${url} (${batch}): XML elements from readers' text: ${[...new Set(unexpected)].join(', ')}`);
    const items = feedItems(res.body);
    for (const i of items) {
      seen.add(i.id);
      for (const p of fragmentProblems(i.description, `${url} item ${i.id} description`)) httpProblems.push(p);
    }
    browserProblems.push(...(await render(site.origin + url, `${url} in the browser (${batch})`)));
    browserProblems.push(
      ...(await renderAsClient(
        `${url} shown by a feed reader (${batch})`,
        items.map((i) => ({ html: i.description, text: [i.title, i.creator] })),
      )),
    );
  }
}

// ------------------------------------------------------------------------------------------------ the tests

describe('stored XSS: reader input never becomes script', () => {
  test('control: the detectors see payloads that do run', async () => {
    // Each payload unescaped, straight into a page of its own: the checks must see what they are there to see.
    let executed = 0;
    let flagged = 0;
    let dialogs = 0;
    for (let n = 1; n <= CORPUS.length; n++) {
      const found = await renderAsClient(`control page ${n}`, [{ html: payload(n, 4), text: [] }]);
      if (ran.length > 0) executed++;
      if (ran.some((r) => r.includes('dialog'))) dialogs++;
      if (found.length > 0) flagged++;
      ran.length = 0;
    }
    const raw = CORPUS.map((_, i) => payload(i + 1, 4)).join('\n');
    const html = pageProblems(`<div class="comment__body">${raw}</div>`);
    console.log(
      `stored-xss: control: unescaped, ${executed} of ${CORPUS.length} payloads run in Chromium and ${flagged} are flagged in the DOM`,
    );
    assert.ok(executed >= 10, `scripts that run are recorded (${executed})`);
    assert.ok(dialogs >= 2, `alert() dialogs are recorded (${dialogs})`);
    assert.ok(flagged >= 20, `the DOM scan flags script, event attributes and script URLs (${flagged})`);
    assert.ok(
      html.some((f) => /script tag/.test(f)) && html.some((f) => /event attribute/.test(f)),
      'the HTML scan flags them',
    );
  });

  test('payloads go into every field, through the form and the API', { timeout: 300_000 }, async () => {
    const replyParents: number[] = [];
    const BATCH = 6; // each payload makes up to 7 approved comments; feeds show the last 50
    for (let n = 1; n <= CORPUS.length; n++) {
      // Name and comment (field 1 and 4) together: both are shown for an approved comment.
      const a = await postComment(n, 4, { name: payload(n, 1), email: plainEmail(), url: '', body: payload(n, 4) });
      posted.push({ ...a, field: 1 });
      if (a.outcome === 'approved') replyParents.push(a.id!);
      // The website field: a URL that passes the http(s) check but tries to break out, then the bare payload.
      await postComment(n, 3, {
        name: `Website test ${n}`,
        email: plainEmail(),
        url: websiteFor(n, 3),
        body: `Website test ${n}.`,
      });
      await postComment(n, 3, {
        name: `Website test ${n}b`,
        email: plainEmail(),
        url: payload(n, 3),
        body: `Website test ${n}b.`,
      });
      // The email field: a valid-looking attacking address, then the bare payload (refused, and shown again).
      await postComment(n, 2, {
        name: `Email test ${n}`,
        email: emailFor(n, 2, emailCounter++),
        url: '',
        body: `Email test ${n}.`,
      });
      await postComment(n, 2, {
        name: `Email test ${n}b`,
        email: `${payload(n, 2)}@example.org`,
        url: '',
        body: `Email test ${n}b.`,
      });
      // The quote: a comment carrying the payload, and a reply quoting its words (raw HTML is kept as text).
      const quoted = await postComment(n, 5, {
        name: `Quoted ${n}`,
        email: plainEmail(),
        url: '',
        body: payload(n, 5),
      });
      if (quoted.outcome === 'approved') {
        const row = await site.site.content.db
          .selectFrom('comments')
          .select('body_md')
          .where('id', '=', quoted.id!)
          .executeTakeFirstOrThrow();
        const words = renderCommentMarkdown(row.body_md).text.replace(/\s+/g, ' ').trim().slice(0, 1900);
        const reply = await postComment(n, 5, {
          name: `Quoting ${n}`,
          email: plainEmail(),
          url: '',
          body: `Replying to payload ${n} with a quote.`,
          parent_id: String(quoted.id),
          quote: words,
        });
        assert.equal(reply.outcome, 'approved', `the quote-reply to payload ${n} is approved (${reply.note ?? ''})`);
      }
      // The JSON API.
      const api = await site.app.inject({
        method: 'POST',
        url: `/api/v1/posts/${SLUG}/comments`,
        headers: { origin: TEST_BASE_URL, 'content-type': 'application/json' },
        payload: {
          name: payload(n, 7),
          email: plainEmail(),
          url: websiteFor(n, 7),
          body: `${payload(n, 7)}\n\nvia the API`,
        },
        remoteAddress: nextIp(),
      });
      if (api.statusCode === 201) {
        const c = api.json().comment as { id: number; status: string };
        posted.push({ n, field: 7, outcome: c.status === 'approved' ? 'approved' : 'held', id: c.id, status: 201 });
      } else {
        posted.push({ n, field: 7, outcome: 'refused', status: api.statusCode, note: api.body.slice(0, 120) });
        const err = api.json() as { error?: { message?: string } };
        assert.ok(err.error, 'a refusal is a JSON error');
      }
      // The report form: reason and note.
      if (a.outcome === 'approved') {
        // A reason the form does not offer is refused (INVALID_FORM) without being shown back as markup; the note
        // goes in with a reason the form offers.
        const refused = await postForm(`/comments/${a.id}/report`, { reason: payload(n, 6), note: 'see above' });
        assert.equal(refused.statusCode, 400, `a report with payload ${n} as its reason`);
        checkHtml(`refused report for payload ${n}`, refused.body);
        const report = await postForm(`/comments/${a.id}/report`, { reason: 'other', note: payload(n, 6) });
        posted.push({
          n,
          field: 6,
          outcome: report.statusCode === 200 ? 'approved' : 'refused',
          status: report.statusCode,
        });
        assert.equal(report.statusCode, 200, `report of payload ${n}'s comment`);
        checkHtml(`report answer for payload ${n}`, report.body);
      }
      if (n % BATCH === 0 || n === CORPUS.length) await checkFeeds(`after payload ${n}`);
    }

    // Held and spam comments, for the moderation queue.
    await saveModerationSettings(site.site.content, { holdFirstComment: true });
    for (let n = 1; n <= CORPUS.length; n++) {
      const email = emailFor(n, 8, n);
      const held = await postComment(n, 8, { name: payload(n, 8), email, url: websiteFor(n, 8), body: payload(n, 8) });
      if (held.outcome === 'refused') {
        // The address check refused the attacking email, or the name is past the site's limit (never cut by the
        // site): hold it with a plain address and the payload's first 100 characters as the name.
        await postComment(n, 8, {
          name: payload(n, 8).slice(0, 100),
          email: plainEmail(),
          url: websiteFor(n, 8),
          body: payload(n, 8),
        });
      }
      const spam = (name: string) =>
        postComment(n, 9, {
          name,
          email: plainEmail(),
          url: '',
          body: payload(n, 9),
          homepage: 'https://spam.example',
        });
      // A name past the site's limit is refused, never cut: then the payload's first 100 characters.
      if ((await spam(payload(n, 9))).outcome === 'refused') await spam(payload(n, 9).slice(0, 100));
    }
    await saveModerationSettings(site.site.content, { holdFirstComment: false });

    const tally = (field: Field) => {
      const rows = posted.filter((p) => p.field === field);
      const by = (o: Outcome) => rows.filter((p) => p.outcome === o).length;
      return `${FIELDS[field]}: ${rows.length} posts, ${by('approved')} accepted, ${by('held')} held, ${by('spam')} spam, ${by('refused')} refused`;
    };
    console.log(
      `stored-xss: ${CORPUS.length} payloads\n  ${(Object.keys(FIELDS).map(Number) as Field[])
        .filter((f) => f < 10)
        .map(tally)
        .join('\n  ')}`,
    );
    const refusedWhy = [
      ...new Set(posted.filter((p) => p.outcome === 'refused').map((p) => `${FIELDS[p.field]}: ${p.note ?? p.status}`)),
    ];
    console.log(`  refusals: \n    ${refusedWhy.slice(0, 12).join('\n    ')}`);

    // The pipeline let the payloads through where the field allows it: otherwise this test would test nothing.
    const approved = (field: Field) => posted.filter((p) => p.field === field && p.outcome === 'approved').length;
    // The 10 KB payload is too long for a name: refused (with the form shown again), never cut to fit.
    assert.ok(approved(4) >= CORPUS.length - 1, 'every payload was approved as a name and a comment');
    assert.ok(
      posted.some((p) => p.field === 4 && p.outcome === 'refused' && p.status === 400),
      'the over-long name is refused, not cut',
    );
    assert.equal(approved(5), CORPUS.length * 2, 'every payload was approved as a quoted comment and a quote');
    // The same through the API.
    assert.ok(approved(7) >= CORPUS.length - 1, 'every payload was approved through the API');
    assert.ok(approved(3) >= CORPUS.length - 1, 'payload websites that pass the http(s) check were approved');
    assert.equal(
      posted.filter((p) => p.field === 8 && p.outcome === 'held').length,
      CORPUS.length,
      'one held comment per payload',
    );
    assert.equal(
      posted.filter((p) => p.field === 9 && p.outcome === 'spam').length,
      CORPUS.length,
      'one spam comment per payload',
    );
    const approvedIds = posted
      .filter((p) => p.outcome === 'approved' && p.id !== undefined && p.field !== 6)
      .map((p) => p.id!);
    const missing = approvedIds.filter((id) => !seenInSiteFeed.has(id) || !seenInArticleFeed.has(id));
    assert.deepEqual(missing, [], 'every approved payload comment was in both comment feeds when they were checked');
    assert.deepEqual(httpProblems, [], 'refusal and report pages, and the feeds, carry no reader markup');
    assert.deepEqual(browserProblems, [], 'the feeds, in the browser and in a feed reader, carry no reader markup');
    assert.deepEqual(ran, [], 'no payload ran');
  });

  test('the article pages, in every order and on every page, as HTML and in the browser', {
    timeout: 300_000,
  }, async () => {
    const problems: string[] = [];
    const urls: string[] = [];
    for (const order of ['', 'oldest', 'newest']) {
      const first = await get(`${ARTICLE}${order ? `?corder=${order}` : ''}`);
      assert.equal(first.statusCode, 200);
      const pages = Number(/Comments page \d+ of (\d+)/.exec(first.body)?.[1] ?? '1');
      for (let p = 1; p <= pages; p++) {
        const q = new URLSearchParams();
        if (order) q.set('corder', order);
        if (p > 1) q.set('cpage', String(p));
        urls.push(`${ARTICLE}${q.size ? `?${q}` : ''}`);
      }
    }
    assert.ok(urls.length >= 9, `several pages of comments in each order (${urls.length})`);
    // A reply form under each payload comment, with its words quoted into the form.
    for (const p of posted.filter((x) => x.field === 4 && x.outcome === 'approved'))
      urls.push(`${ARTICLE}?replyto=${p.id}&quote=1`);
    for (const url of urls) {
      const res = await get(url);
      assert.equal(res.statusCode, 200, url);
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /(?:^|; )script-src 'self'(?:;|$)/, 'the CSP forbids inline script besides');
      for (const m of res.body.matchAll(/<article class="comment" id="comment-(\d+)"/g)) {
        if (!url.includes('corder=') && !url.includes('replyto=') && !shownIds.has(Number(m[1])))
          pageOfComment.set(Number(m[1]), url);
        shownIds.add(Number(m[1]));
      }
      for (const f of pageProblems(res.body)) problems.push(`${url}: ${f}`);
      problems.push(...(await render(site.origin + url, url)));
    }
    const approvedIds = posted
      .filter((p) => p.outcome === 'approved' && p.id !== undefined && p.field !== 6)
      .map((p) => p.id!);
    assert.deepEqual(
      approvedIds.filter((id) => !shownIds.has(id)),
      [],
      'every approved payload comment was shown on some page',
    );
    console.log(`stored-xss: ${urls.length} article pages checked, ${shownIds.size} comments shown`);
    assert.deepEqual(problems, [], 'no reader markup in the article pages');
    assert.deepEqual(ran, [], 'no payload ran');
  });

  test('the report pages, the JSON API and a client showing its HTML', { timeout: 300_000 }, async () => {
    const problems: string[] = [];
    const reported = posted.filter((p) => p.field === 4 && p.outcome === 'approved');
    for (const p of reported) {
      const url = `/comments/${p.id}/report`;
      const res = await get(url);
      assert.equal(res.statusCode, 200, url);
      for (const f of pageProblems(res.body)) problems.push(`${url}: ${f}`);
      problems.push(...(await render(site.origin + url, url)));
    }
    const all: { html: string; text: string[]; href: string | null }[] = [];
    for (let p = 1; ; p++) {
      const url = `/api/v1/posts/${SLUG}/comments?page=${p}`;
      const res = await get(url);
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const data = JSON.parse(res.body) as {
        comments: { id: number; author: { name: string; url: string | null }; html: string }[];
        total_pages: number;
      };
      for (const c of data.comments) {
        for (const f of fragmentProblems(c.html, `${url} comment ${c.id} html`)) problems.push(f);
        if (c.author.url !== null && !/^https?:\/\//i.test(c.author.url))
          problems.push(`${url} comment ${c.id}: author url ${c.author.url}`);
        all.push({ html: c.html, text: [c.author.name], href: c.author.url });
      }
      problems.push(...(await render(site.origin + url, `${url} in the browser`)));
      if (p >= data.total_pages) break;
    }
    assert.ok(all.length >= CORPUS.length * 5, `the API lists the payload comments (${all.length})`);
    problems.push(...(await renderAsClient('the API comments shown by a client', all)));
    assert.deepEqual(problems, [], 'no reader markup in report pages or the API');
    assert.deepEqual(ran, [], 'no payload ran');
  });

  test('the comment island: quoting a payload comment in place, and posting without a reload', {
    timeout: 300_000,
  }, async () => {
    const problems: string[] = [];
    const targets = posted.filter((p) => p.field === 4 && p.outcome === 'approved');
    let posts = 0;
    for (const p of targets) {
      const url = pageOfComment.get(p.id!);
      assert.ok(url, `comment ${p.id} was shown on a page`);
      currentlyAt = `the island on ${url}, quoting payload ${p.n}`;
      await page.goto(site.origin + url);
      await page.locator(`#comment-${p.id} a[data-quote]`).click();
      const quote = await page.locator('#respond textarea[name="quote"]').inputValue();
      assert.ok(quote.length > 0, `payload ${p.n}: the quote is put into the form`);
      problems.push(...(await domProblems(`${currentlyAt}, after Quote`)));
      const form = page.locator('#respond');
      await form.locator('#comment-name').fill(payload(p.n, 11).slice(0, 80));
      await form.locator('#comment-email').fill(plainEmail());
      await form.locator('#comment-body').fill(`${payload(p.n, 11)}\n\nisland ${p.n}`);
      currentlyAt = `the island on ${url}, after posting a reply to payload ${p.n} with payload ${p.n} in it`;
      await Promise.all([
        page.waitForURL(/#comment-\d+$/, { timeout: 10_000 }),
        form.getByRole('button', { name: 'Post comment' }).click(),
      ]);
      posts++;
      problems.push(...(await domProblems(currentlyAt)));
    }
    console.log(
      `stored-xss: island: ${targets.length} quotes taken in place, ${posts} replies posted without a reload`,
    );
    assert.deepEqual(problems, [], 'no reader markup after quoting or posting in place');
    assert.deepEqual(ran, [], 'no payload ran');
  });

  test('a refused form shows the writer their text again, in the browser, without running it', {
    timeout: 300_000,
  }, async () => {
    const problems: string[] = [];
    // Another article, with a short discussion: the form is the same, the page is quicker to load.
    const other = await site.site.content.db
      .selectFrom('posts')
      .select('slug')
      .where('type', '=', 'post')
      .where('status', '=', 'published')
      .where('comments_open', '=', 1)
      .where('slug', '!=', SLUG)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const article = `/${other.slug}/`;
    for (let n = 1; n <= CORPUS.length; n++) {
      currentlyAt = `the comment form, payload ${n}`;
      await page.goto(`${site.origin}${article}#respond`);
      const form = page.locator('#respond');
      await form.locator('#comment-name').fill(payload(n, 10).slice(0, 80));
      await form.locator('#comment-email').fill(`${payload(n, 10)}@example.org`.slice(0, 254));
      await form.locator('#comment-url').fill(payload(n, 10).slice(0, 300));
      await form.locator('#comment-body').fill(payload(n, 10));
      // Bypass the browser's own checks (type=email, type=url) so the server is the one to refuse.
      await Promise.all([
        // The form lands on its message (#respond-message), where the refusal is said.
        page.waitForURL(`${site.origin}${article}comments#respond-message`),
        form.evaluate((f: HTMLFormElement) => f.submit()),
      ]);
      currentlyAt = `the refused comment form, payload ${n}`;
      assert.ok(
        (await page.locator('.form-alert').count()) === 1,
        `payload ${n}: the form was refused and shown again`,
      );
      assert.equal(
        await page.locator('#comment-body').inputValue(),
        payload(n, 10),
        `payload ${n}: the writer's text is shown again, as text`,
      );
      problems.push(...(await domProblems(currentlyAt)));
    }
    assert.deepEqual(problems, [], 'no reader markup in the form shown again');
    assert.deepEqual(ran, [], 'no payload ran');
  });

  test('the moderation queue, signed in as a moderator', { timeout: 300_000 }, async () => {
    const accounts = { db: site.site.content.db, clock: site.site.content.clock };
    const user = await createUser(accounts, { email: 'moderator@example.org', name: 'Mo Derator', role: 'moderator' });
    const link = await createSignInLink({ ...accounts, baseUrl: TEST_BASE_URL }, user.id);
    const { token } = await setPasswordWithLink(accounts, {
      token: new URL(link.url).searchParams.get('token')!,
      password: 'a long and unguessable passphrase',
    });
    await browser.context.addCookies([{ name: SESSION_COOKIE, value: token, url: site.origin }]);
    const problems: string[] = [];
    let items = 0;
    for (const status of ['held', 'spam']) {
      for (let p = 1; ; p++) {
        const url = `/admin/moderation?status=${status}${p > 1 ? `&page=${p}` : ''}`;
        const res = await get(url, { cookie: `${SESSION_COOKIE}=${token}` });
        if (p > 1 && res.statusCode === 400) break; // past the last page
        assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 200)}`);
        const onPage = [...res.body.matchAll(/<li class="queue-item"/g)].length;
        items += onPage;
        for (const f of pageProblems(res.body)) problems.push(`${url}: ${f}`);
        problems.push(...(await render(site.origin + url, url)));
        if (onPage < 20 || p > 20) break;
      }
    }
    console.log(`stored-xss: moderation queue: ${items} held and spam comments checked`);
    assert.ok(items >= CORPUS.length * 2, `the queue shows the held and the spam payloads (${items})`);
    assert.deepEqual(problems, [], 'no reader markup in the moderation queue');
    assert.deepEqual(ran, [], 'no payload ran');
  });
});
