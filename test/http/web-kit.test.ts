import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { escapeMarkup } from '../../src/modules/shared/escape.ts';
import { hasCookie, readCookie } from '../../src/web/kit/cookies.ts';
import { sameOrigin } from '../../src/web/kit/same-origin.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';

const FORM = 'application/x-www-form-urlencoded';
const post = (headers: Record<string, string>) => ({ headers: { host: 'annalist.test', ...headers } });

describe('the one same-origin policy', () => {
  test('a form from the configured origin or from the address it was sent to, same scheme, is accepted', () => {
    assert.equal(sameOrigin(post({ origin: TEST_BASE_URL }), TEST_BASE_URL), true);
    const byHost = { headers: { host: 'admin.example:8080', origin: 'http://admin.example:8080' } };
    assert.equal(sameOrigin(byHost, TEST_BASE_URL), true);
    assert.equal(sameOrigin(post({ referer: `${TEST_BASE_URL}/khalkhin-gol-1939/` }), TEST_BASE_URL), true);
  });

  test('a request with neither Origin nor Referer is left to the form and CSRF tokens', () => {
    assert.equal(sameOrigin(post({}), TEST_BASE_URL), true);
  });

  test('another site, the null origin, a malformed Referer and the other scheme are refused', () => {
    assert.equal(sameOrigin(post({ origin: 'https://evil.example' }), TEST_BASE_URL), false);
    assert.equal(sameOrigin(post({ origin: 'null' }), TEST_BASE_URL), false);
    assert.equal(sameOrigin(post({ referer: 'https://evil.example/page' }), TEST_BASE_URL), false);
    assert.equal(sameOrigin(post({ referer: 'not a url' }), TEST_BASE_URL), false);
    assert.equal(sameOrigin(post({ origin: 'https://annalist.test' }), TEST_BASE_URL), false);
    const httpsSite = 'https://history.example';
    assert.equal(
      sameOrigin({ headers: { host: 'history.example', origin: 'http://history.example' } }, httpsSite),
      false,
    );
    assert.equal(sameOrigin({ headers: { host: 'history.example', origin: httpsSite } }, httpsSite), true);
  });

  test('the Origin header wins over the Referer when a browser sends both', () => {
    const both = post({ origin: 'https://evil.example', referer: `${TEST_BASE_URL}/` });
    assert.equal(sameOrigin(both, TEST_BASE_URL), false);
  });
});

test('the one escaper makes text safe in an element and in an attribute quoted either way', () => {
  assert.equal(
    escapeMarkup(`<a href="x" title='y'>Tom & Jerry</a>`),
    '&lt;a href=&quot;x&quot; title=&apos;y&apos;&gt;Tom &amp; Jerry&lt;/a&gt;',
  );
  assert.equal(escapeMarkup('plain text'), 'plain text');
});

describe('in a built app: the one cookie reader, and the same-origin policy on staff and reader POSTs', () => {
  let t: TestSite;
  before(async () => {
    t = await startTestSite();
  });
  after(() => t.close());

  // The cookie reader's parser is loaded by the built app (src/web/kit/cookies.ts).
  test('reads a cookie among others, the first of a repeated name, and nothing from a missing header', () => {
    const header = 'theme=dark; annalist_form=abc.def ; annalist_form=second; annalist_seen=42';
    assert.equal(readCookie(header, 'annalist_form'), 'abc.def');
    assert.equal(readCookie(header, 'annalist_seen'), '42');
    assert.equal(readCookie(header, 'annalist_session'), undefined);
    assert.equal(readCookie(undefined, 'annalist_form'), undefined);
  });

  test('a name inside another cookie’s name or value is not that cookie', () => {
    const header = 'x_annalist_session=1; note=annalist_session';
    assert.equal(hasCookie(header, 'annalist_session'), false);
    assert.equal(hasCookie('annalist_session=', 'annalist_session'), true);
  });

  test('a sign-in sent from another site’s page, named only by its Referer, is refused as CSRF_FAILED', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/sign-in',
      headers: { 'content-type': FORM, referer: 'https://evil.example/phish' },
      payload: 'email=nobody%40example.org&password=whatever',
    });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /CSRF_FAILED/);
  });

  test('a comment sent from an https page of an http site is refused as CROSS_ORIGIN_REQUEST', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/khalkhin-gol-1939/comments',
      headers: { 'content-type': FORM, origin: 'https://annalist.test', host: 'annalist.test' },
      payload: 'name=Ada&email=ada%40example.org&body=Hello',
    });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /sent from another site/i);
  });
});
