import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { importBibliography } from '../../src/modules/sources/bibliography-import.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// Security finding 5 (issue 19): a large bibliography import held the event loop for seconds. Each test runs
// an import and, alongside it, asks /healthz again and again: every answer must come within 200 ms.

let t: TestSite;
const { person } = staffClient(() => t);
let author: Person;

before(async () => {
  t = await startTestSite({ demo: false });
  author = await person('author', 'Alma');
});
after(() => t.close());

/** A BibTeX entry of about `size` bytes. */
function entry(n: number, size = 200): string {
  const head = `@book{entry${n}, author = {Hale, Nora}, title = {Steppe Campaigns ${n}}, publisher = {Harbour Press}, year = 2010, note = {`;
  return `${head}${'x'.repeat(Math.max(0, size - head.length - 3))}}}\n`;
}

/** Runs `work` while timing /healthz back to back; the slowest answer and how many came. */
async function whileHealthChecked<T>(work: () => Promise<T>): Promise<{ result: T; slowest: number; checks: number }> {
  let done = false;
  let slowest = 0;
  let checks = 0;
  // The first check is sent before the work starts, so at least one runs alongside it however soon it ends.
  const probe = (async () => {
    do {
      const started = performance.now();
      const res = await t.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(res.statusCode, 200);
      slowest = Math.max(slowest, performance.now() - started);
      checks++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    } while (!done);
  })();
  try {
    const result = await work();
    done = true;
    await probe;
    return { result, slowest, checks };
  } finally {
    done = true;
  }
}

/** The import form sent with the bibliography as a chosen file or pasted into the text box. */
function importForm(text: string, as: 'file' | 'pasted' = 'file') {
  const boundary = '----annalist-limit-boundary';
  const part =
    as === 'file'
      ? 'Content-Disposition: form-data; name="file"; filename="big.bib"\r\nContent-Type: application/octet-stream'
      : 'Content-Disposition: form-data; name="text"';
  return t.app.inject({
    method: 'POST',
    url: `/admin/sources/import?csrf=${encodeURIComponent(author.csrf)}`,
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      cookie: author.cookie,
      origin: TEST_BASE_URL,
    },
    payload: `--${boundary}\r\n${part}\r\n\r\n${text}\r\n--${boundary}--\r\n`,
  });
}

const sourceCount = async () => (await t.site.content.db.selectFrom('sources').select('id').execute()).length;

describe('a bibliography import never holds up the server', () => {
  test('a 5 MB BibTeX file, chosen or pasted, is refused as too large while /healthz answers within 200 ms', async () => {
    const text = Array.from({ length: 26_000 }, (_, i) => entry(i)).join('');
    assert.ok(text.length > 5_000_000);
    for (const as of ['file', 'pasted'] as const) {
      const { result: res, slowest, checks } = await whileHealthChecked(() => importForm(text, as));
      assert.equal(res.statusCode, 413, as);
      assert.match(res.body, /The file is larger than 2 MB, so nothing was imported; split it and import the parts\./);
      assert.ok(checks > 0);
      assert.ok(slowest < 200, `/healthz took ${slowest.toFixed(0)} ms (${as})`);
    }
    assert.equal(await sourceCount(), 0);
  });

  test('a 1.9 MB file of 4,840 entries is refused by its count, before any entry is read', async () => {
    const text = Array.from({ length: 4840 }, (_, i) => entry(i, 390)).join('');
    assert.ok(text.length > 1_800_000 && text.length < 2_000_000);
    const started = performance.now();
    await assert.rejects(importBibliography({ ...t.site.content, noteWrite: () => {} }, { text }), {
      code: 'BIBLIOGRAPHY_TOO_LARGE',
      publicMessage: 'The file has 4,840 entries; import at most 2,000 at a time, so nothing was imported.',
    });
    // Reading 4,840 entries took 13 s; counting them takes a few milliseconds.
    assert.ok(performance.now() - started < 1000, `refused after ${(performance.now() - started).toFixed(0)} ms`);
    const { result: res, slowest } = await whileHealthChecked(() => importForm(text));
    assert.equal(res.statusCode, 413);
    assert.match(res.body, /The file has 4,840 entries/);
    assert.ok(slowest < 200, `/healthz took ${slowest.toFixed(0)} ms`);
    assert.equal(await sourceCount(), 0);
  });

  test('2,000 entries are all imported while /healthz keeps answering within 200 ms', async () => {
    const text = Array.from({ length: 2000 }, (_, i) => entry(i)).join('');
    const { result: res, slowest, checks } = await whileHealthChecked(() => importForm(text));
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /2000 imported, 0 replaced, 0 failed \(BibTeX\)/);
    assert.ok(checks > 3, `only ${checks} health checks ran during the import`);
    assert.ok(slowest < 200, `/healthz took ${slowest.toFixed(0)} ms`);
    assert.equal(await sourceCount(), 2000);
  });
});
