import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { markdownShapeProblem, nestingProblem } from '../../src/modules/markdown/markdown-limits.ts';
import { runBounded, WorkTooCostly } from '../../src/modules/shared/bounded-work.ts';
import { type Article, createArticle, createComment } from '../support/factories.ts';
import { injectFormToken } from '../support/form-token.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// Security finding 1 of issue 19: texts nested deep enough to make the Markdown parser take tens of seconds (and
// overflow its stack) once stalled every request of the server. They are refused before parsing now, and every
// parse of a person's text runs in a worker thread with a deadline.
// The tests comment on an article of their own; the site has the demo for the one test about the demo's articles.

let t: TestSite;
const { person, send, formOf } = staffClient(() => t);
let article: Article;
/** The article's comments in the JSON API. */
let ARTICLE_API: string;

before(async () => {
  t = await startTestSite();
  article = await createArticle(t, { title: 'The crossing of the river' });
  ARTICLE_API = `/api/v1/posts/${article.slug}/comments`;
});
after(() => t.close());

/** Whether one of the page's text boxes labelled `label` is described by an error matching `reason`. */
const fieldSays = (page: Page, label: string, reason: RegExp) =>
  page.all('textbox', label).some((box) => reason.test(page.description(box)));

/** The shapes the attacker sent (each under 8 KB, within a comment's length), and others as deep. */
const HOSTILE: Record<string, string> = {
  'dashes on one line': `${'- '.repeat(3_900)}hello`,
  'numbered items on one line': `${'1. '.repeat(2_600)}hello`,
  'quote marks': `${'>'.repeat(7_990)} hello`,
  'a list nested by indentation': Array.from({ length: 75 }, (_, i) => `${' '.repeat(2 * i)}- ${i}`).join('\n'),
  'quotes and lists mixed': `${'> - 1. '.repeat(1_100)}hello`,
  // Found by the property-based tests (test/http/fuzz.test.ts): footnote definitions hold blocks, and nest.
  'footnote definitions': `${'[^1]: '.repeat(1_300)}hello`,
};

/** Deeper still, for the editor, whose body may be far longer than a comment. */
const DEEPER: Record<string, string> = {
  'dashes, ten times more': `${'- '.repeat(39_000)}hello`,
  'a list nested 400 levels by indentation': Array.from({ length: 400 }, (_, i) => `${' '.repeat(2 * i)}- ${i}`).join(
    '\n',
  ),
};

/** Sends `request` and, at the same moment, asks /healthz: how long the health check took to answer. */
async function healthWhile(request: () => Promise<{ statusCode: number; body: string }>) {
  const sent = request();
  const started = performance.now();
  const health = await t.app.inject({ method: 'GET', url: '/healthz' });
  const healthMs = performance.now() - started;
  return { answer: await sent, health, healthMs };
}

describe('a reader text built to make the parser slow', () => {
  for (const [shape, body] of Object.entries(HOSTILE)) {
    test(`(${shape}) is refused at once by the comment check, while /healthz keeps answering`, async () => {
      const started = performance.now();
      const { answer, health, healthMs } = await healthWhile(() =>
        t.app.inject({
          method: 'POST',
          url: `${ARTICLE_API}/preview`,
          headers: { 'content-type': 'application/json', origin: TEST_BASE_URL },
          payload: { name: 'Attacker', email: 'x@example.net', body },
          remoteAddress: '198.51.100.1',
        }),
      );
      assert.equal(answer.statusCode, 400, answer.body);
      const error = JSON.parse(answer.body).error;
      assert.equal(error.code, 'COMMENT_INVALID');
      assert.match(error.fields.body, /more than 32 levels deep/);
      assert.equal(health.statusCode, 200);
      assert.ok(healthMs < 200, `/healthz took ${healthMs.toFixed(0)} ms`);
      assert.ok(performance.now() - started < 1_000, 'the refusal took more than a second');
    });
  }

  test('sent through the no-JavaScript comment form, comes back as the form with the reason by the field', async () => {
    const cookie = await injectFormToken(t.app, { remoteAddress: '198.51.100.2' });
    const res = await t.app.inject({
      method: 'POST',
      url: `${article.url}comments`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: TEST_BASE_URL, cookie },
      payload: new URLSearchParams({
        name: 'Attacker',
        email: 'x@example.net',
        body: HOSTILE['dashes on one line']!,
      }).toString(),
      remoteAddress: '198.51.100.2',
    });
    assert.equal(res.statusCode, 400);
    assert.ok(fieldSays(parsePage(res.body), 'Comment', /more than 32 levels deep/), 'the reason by the field');
    assert.doesNotMatch(res.body, /Maximum call stack|at .*\.ts:\d+/);
  });

  test('is refused by the editor preview, save and first autosave of any contributor, and nothing is kept', async () => {
    const contributor = await person('contributor', 'Zofia');
    for (const [shape, body] of Object.entries({ ...DEEPER, numbered: HOSTILE['numbered items on one line']! })) {
      await assertRefusedInEditor(contributor, shape, body);
    }
  });
});

/** The editor's preview, save and first autosave each refuse `body` with the reason, and no draft is left. */
async function assertRefusedInEditor(contributor: Person, shape: string, body: string) {
  const preview = await send('/admin/posts/preview', contributor, { body });
  assert.equal(preview.statusCode, 200);
  assert.match((preview.json() as { html: string }).html, /more than 32 levels deep/);
  const form = await formOf('/admin/posts/new', contributor);
  const saved = await send('/admin/posts', contributor, { ...form, title: 'A draft', body, action: 'save' });
  assert.equal(saved.statusCode, 400);
  assert.ok(fieldSays(parsePage(saved.body), 'Body (Markdown)', /more than 32 levels deep/), `${shape}: by the body`);
  const autosave = await send('/admin/posts/autosave', contributor, { title: 'A draft', body });
  assert.equal(autosave.statusCode, 400, autosave.body);
  const kept = await t.site.content.db
    .selectFrom('posts')
    .select('id')
    .where('title', '=', 'A draft')
    .executeTakeFirst();
  assert.equal(kept, undefined, shape);
}

describe('a stored comment written before these checks', () => {
  test('is quoted in a reply form through a worker: the page answers, and /healthz with it', async () => {
    // As if stored before the nesting limit: nested far past what the parser survives on the main thread.
    const row = await createComment(t, article, { name: 'Old Reader' });
    await t.site.content.db
      .updateTable('comments')
      .set({ body_md: `${'- '.repeat(3_000)}an old comment` })
      .where('id', '=', row.id)
      .execute();
    const { answer, health, healthMs } = await healthWhile(() =>
      t.app.inject({ method: 'GET', url: `${article.url}?replyto=${row.id}&quote=1` }),
    );
    assert.equal(answer.statusCode, 200);
    const page = parsePage(answer.body);
    const form = page.within(page.get('form', 'Reply to Old Reader'));
    // The passage offered for quoting comes from the stored text.
    assert.match(form.text(form.field('Quoted passage')), /an old comment$/, 'the comment answered, quoted');
    assert.equal(health.statusCode, 200);
    assert.ok(healthMs < 200, `/healthz took ${healthMs.toFixed(0)} ms`);
  });
});

describe('a text widget (rendered with every page)', () => {
  test('nested too deeply is refused when saved, with the reason, and nothing is added', async () => {
    const owner = await person('owner', 'Olga');
    const before = await t.site.content.db.selectFrom('widgets').select('id').execute();
    const res = await send('/admin/widgets', owner, {
      area: 'sidebar',
      type: 'text',
      title: 'Deep',
      count: '',
      markdown: `${'> '.repeat(40)}deep`,
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.ok(fieldSays(parsePage(res.body), 'Text (Markdown)', /more than 32 levels deep/), 'by the text');
    assert.equal((await t.site.content.db.selectFrom('widgets').select('id').execute()).length, before.length);
  });
});

describe('previews are rate-limited like posting', () => {
  test('a reader checking comments over and over is told to wait, with a stable code', async () => {
    const ask = () =>
      t.app.inject({
        method: 'POST',
        url: `${ARTICLE_API}/preview`,
        headers: { 'content-type': 'application/json', origin: TEST_BASE_URL },
        payload: { name: 'Busy', email: 'busy@example.net', body: 'A *short* thought.' },
        remoteAddress: '198.51.100.77',
      });
    const answers = [];
    for (let i = 0; i < 90; i++) answers.push((await ask()).statusCode);
    assert.deepEqual(new Set(answers), new Set([200]));
    const last = await ask();
    assert.equal(last.statusCode, 429);
    assert.equal(JSON.parse(last.body).error.code, 'RATE_LIMITED');
    // Another reader is not affected.
    const other = await t.app.inject({
      method: 'POST',
      url: `${ARTICLE_API}/preview`,
      headers: { 'content-type': 'application/json', origin: TEST_BASE_URL },
      payload: { name: 'Calm', email: 'calm@example.net', body: 'A *short* thought.' },
      remoteAddress: '198.51.100.78',
    });
    assert.equal(other.statusCode, 200);
  });
});

describe('the worker threads that parse text', () => {
  const longArticle = Array.from({ length: 4_000 }, (_, i) => `## Part ${i}\n\nA *line* with [a link](/x-${i}).`).join(
    '\n\n',
  );

  test('end a parse past its deadline, keep the event loop free meanwhile, and parse the next text normally', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const started = performance.now();
    const input = { source: longArticle, style: 'chicago', items: [], flagUnknown: false };
    await assert.rejects(runBounded('article', input, 5), (err: unknown) => {
      assert.ok(err instanceof WorkTooCostly);
      assert.equal(err.limit, 'time');
      return true;
    });
    const waited = performance.now() - started;
    clearInterval(timer);
    // The event loop ticked all along: about one tick per 10 ms of waiting, never held up by the parse.
    assert.ok(ticks >= Math.floor(waited / 10 / 3), `${ticks} ticks in ${waited.toFixed(0)} ms`);
    const next = await runBounded<{ html: string }>(
      'comment',
      { source: '> quoted\n\n**bold**', mentions: new Map() },
      5_000,
    );
    const parsed = parsePage(next.html);
    assert.deepEqual(
      parsed.all('paragraph').map((el) => [parsed.text(el), parsed.all('blockquote', 'quoted').length]),
      [
        ['quoted', 1],
        ['bold', 1],
      ],
    );
    parsed.within(parsed.get('blockquote', 'quoted')).get('paragraph', 'quoted');
    parsed.within(parsed.get('paragraph', 'bold')).get('strong', 'bold');
  });

  test('render an ordinary article exactly as before', async () => {
    const r = await runBounded<{ html: string; wordCount: number }>(
      'article',
      {
        source: '## A heading\n\nSome text with a footnote.[^1]\n\n[^1]: The note.',
        style: 'chicago',
        items: [],
        flagUnknown: false,
      },
      5_000,
    );
    const page = parsePage(r.html);
    const heading = page.get('heading', 'A heading');
    assert.deepEqual([heading.tagName, page.attr(heading, 'id')], ['h2', 'a-heading']);
    const note = page.get('listitem', /^The note\./);
    assert.equal(page.attr(note, 'id'), 'user-content-fn-1');
  });
});

describe('the nesting limit', () => {
  test('lets every demo article and ordinary nested lists through', async () => {
    const rows = await t.site.content.db.selectFrom('post_bodies').select('body_md').execute();
    assert.ok(rows.length >= 7);
    for (const r of rows) assert.equal(markdownShapeProblem(r.body_md), undefined);
    const nested = Array.from({ length: 12 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n');
    assert.equal(nestingProblem(nested), undefined);
  });

  test('cannot be led past: fences it would misread, quotes around lists, tabs, lone CRs, unclosed directives', () => {
    const deep = `${'- '.repeat(1_200)}hello`;
    const shapes: Record<string, string> = {
      // Found in review: a checker that skips code blocks can be told a block began when the parser disagrees.
      'a "fence" after a no-break space': `\u00a0\`\`\`\n${deep}`,
      'a "fence" indented as code': `    \`\`\`\n${deep}`,
      'lists nested inside a quote by indentation': Array.from(
        { length: 40 },
        (_, k) => `> ${' '.repeat(2 * k)}- ${k}`,
      ).join('\n'),
      'lists nested by tabs': Array.from({ length: 40 }, (_, k) => `${'\t'.repeat(k)}- ${k}`).join('\n'),
      'lines ended by lone CRs': Array.from({ length: 40 }, (_, k) => `${' '.repeat(2 * k)}- ${k}`).join('\r'),
      'directives closed by too few colons': '::::note\n:::\n'.repeat(40),
    };
    for (const [shape, text] of Object.entries(shapes)) assert.match(nestingProblem(text) ?? '', /32 levels/, shape);
    assert.equal(nestingProblem(':::note\ntext\n:::\n'.repeat(100)), undefined, 'closed directives do not add up');
  });

  test('counts 33 levels as too deep and 32 as fine', () => {
    assert.equal(nestingProblem(`${'- '.repeat(32)}x`), undefined);
    assert.match(nestingProblem(`${'- '.repeat(33)}x`) ?? '', /32 levels/);
    assert.match(nestingProblem(`${'> '.repeat(33)}x`) ?? '', /32 levels/);
  });
});
