import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { markdownShapeProblem } from '../../src/modules/markdown/markdown-limits.ts';
import { runBounded, WorkTooCostly } from '../../src/modules/shared/bounded-work.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';

// Property-based checks (issue 19): random and adversarial input to the parsers and routes never makes a 500 or
// a stack trace, and is answered in bounded time. A fixed seed and a bounded number of runs keep the suite
// repeatable; a failure prints the seed and the shrunk input that breaks it.
const SEED = 19_2026;

let t: TestSite;
before(async () => {
  t = await startTestSite();
});
after(() => t.close());

/** Pieces of Markdown that parsers recurse or backtrack on, mixed with words, glued at random. */
const markdownPiece = fc.constantFrom(
  '- ',
  '* ',
  '+ ',
  '1. ',
  '> ',
  '>',
  '*',
  '_',
  '**',
  '__',
  '~~',
  '`',
  '```',
  '[',
  ']',
  '(',
  ')',
  '![',
  '](',
  '<',
  '>',
  '&',
  '#',
  '## ',
  '|',
  '|---|',
  ':::',
  '::figure[',
  ':cite[',
  '{',
  '}',
  '[^1]',
  '[^1]: ',
  '\\',
  '\n',
  '\n\n',
  '  ',
  '    ',
  '\t',
  'word',
  'Zhukov',
  'Халхин-Гол',
  'http://example.org/',
  'javascript:alert(1)',
  '<script>',
  '"',
  "'",
);
const markdownText = fc.array(markdownPiece, { maxLength: 400 }).map((parts) => parts.join(''));
/** The same pieces repeated: what deep nesting and long runs are made of. */
const repeatedText = fc
  .tuple(markdownPiece, fc.integer({ min: 1, max: 4_000 }), markdownText)
  .map(([piece, n, tail]) => piece.repeat(n) + tail);
const anyText = fc.oneof(markdownText, repeatedText, fc.string({ unit: 'grapheme', maxLength: 2_000 }));

/** Runs `fn` and says how long it took. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

describe('random Markdown', () => {
  test('is either refused before parsing or rendered in a worker without an error, within its budget', async () => {
    await fc.assert(
      fc.asyncProperty(anyText, async (source) => {
        if (markdownShapeProblem(source)) return;
        const { value, ms } = await timed(() =>
          runBounded<{ html: string }>('article', { source, style: 'chicago', items: [], flagUnknown: true }, 5_000),
        );
        assert.equal(typeof value.html, 'string');
        assert.doesNotMatch(value.html, /<script|href="javascript:/i);
        assert.ok(ms < 5_000, `${ms} ms`);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  test('in a comment, renders or is refused as a field error, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(anyText, async (source) => {
        if (markdownShapeProblem(source)) return;
        try {
          const r = await runBounded<{ html: string }>('comment', { source, mentions: new Map() }, 1_500);
          assert.doesNotMatch(r.html, /<script|<img|href="(?!https?:|mailto:|#)/i);
        } catch (err) {
          assert.ok(err instanceof WorkTooCostly, String(err));
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});

describe('random comment fields sent to the comment API', () => {
  const field = fc.oneof(
    anyText,
    fc.constant(''),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string()),
  );
  test('get a JSON answer with a stable code, never a 500, within two seconds', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            // Mostly well-formed writers with hostile text, so that runs reach the parser and the pipeline.
            name: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('Anna', 'Игорь Петров', '<b>x</b>') }, field),
            email: fc.oneof({ weight: 4, arbitrary: fc.emailAddress() }, field),
            url: fc.oneof(fc.constant(''), fc.webUrl(), field),
            body: fc.oneof({ weight: 4, arbitrary: anyText }, field),
            parent_id: fc.oneof(fc.integer(), field),
            quote: field,
          },
          { requiredKeys: ['name', 'email', 'body'] },
        ),
        fc.constantFrom('/comments', '/comments/preview'),
        async (payload, path) => {
          const { value: res, ms } = await timed(() =>
            t.app.inject({
              method: 'POST',
              url: `/api/v1/posts/khalkhin-gol-1939${path}`,
              headers: { 'content-type': 'application/json', origin: TEST_BASE_URL },
              payload: JSON.stringify(payload),
              // A fresh address for each run, so the per-address limits do not answer for the parser.
              remoteAddress: `2001:db8::${(n++).toString(16)}`,
            }),
          );
          assert.ok(res.statusCode < 500, `${res.statusCode}: ${res.body.slice(0, 300)}`);
          assert.ok(ms < 2_000, `${ms} ms`);
          const answer = JSON.parse(res.body) as { error?: { code: string } };
          if (res.statusCode >= 400) assert.match(answer.error?.code ?? '', /^[A-Z_]+$/);
        },
      ),
      { seed: SEED, numRuns: 120 },
    );
  });
});

describe('random query strings', () => {
  const param = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.constantFrom(
      '0',
      '-1',
      '1e9',
      '99999999999999999999',
      '%',
      '%zz',
      '"',
      "'",
      '*',
      'NEAR(',
      'a OR',
      '::',
      '\u0000',
    ),
  );
  test('on search, lists, archives and the API answer a page or a stable error, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/search', '/', '/category/russian-history/', '/tag/khalkhin-gol/', '/api/v1/posts', '/1939/'),
        fc.dictionary(fc.constantFrom('q', 'page', 'per_page', 'category', 'tag', 'sort'), param, { maxKeys: 3 }),
        async (path, query) => {
          const qs = Object.entries(query)
            .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
            .join('&');
          const res = await t.app.inject({ method: 'GET', url: qs ? `${path}?${qs}` : path });
          assert.ok(res.statusCode < 500, `${path}?${qs}: ${res.statusCode}`);
          assert.doesNotMatch(res.body, /at [^ ]+\.ts:\d+:\d+/, 'no stack trace');
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });
});
