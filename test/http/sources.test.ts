import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { parsePage } from '../support/page.ts';
import { startTestSite, TEST_BASE_URL, TestClock, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

const NOW = '2026-11-27T09:00:00.000Z';

let t: TestSite;
const db = () => t.site.content.db;
const { person, get, send } = staffClient(() => t);
const people = {} as Record<'author' | 'contributor' | 'editor', Person>;

const SOURCE = {
  key: 'coox-1985a',
  type: 'book',
  authors: 'Coox, Alvin D.',
  title: 'Nomonhan: {Japan} against {Russia}, 1939',
  publisher: 'Stanford University Press',
  place: 'Stanford',
  date: '1985',
};

const publicPage = (url: string) => t.app.inject({ method: 'GET', url });

/** A multipart import form as a browser sends it (text, replace box, optional file). */
function importRequest(
  who: Person,
  fields: { text?: string; replace?: boolean; file?: { name: string; body: string } },
) {
  const boundary = '----annalist-test-boundary';
  const parts: string[] = [];
  if (fields.text !== undefined)
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n${fields.text}\r\n`);
  if (fields.replace) parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="replace"\r\n\r\n1\r\n`);
  if (fields.file)
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fields.file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n${fields.file.body}\r\n`,
    );
  return t.app.inject({
    method: 'POST',
    url: `/admin/sources/import?csrf=${encodeURIComponent(who.csrf)}`,
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      cookie: who.cookie,
      origin: TEST_BASE_URL,
    },
    payload: `${parts.join('')}--${boundary}--\r\n`,
  });
}

async function article(slug: string, body: string, status: 'published' | 'draft') {
  return savePost(t.site.content, {
    type: 'post',
    slug,
    title: slug === 'cited-draft' ? 'A draft citing Coox' : `Article ${slug}`,
    bodyMarkdown: body,
    status,
    publishedAt: status === 'published' ? '2026-11-01T10:00:00.000Z' : null,
    authorSlugs: ['elena-markova'],
  });
}

before(async () => {
  t = await startTestSite({ clock: new TestClock(new Date(NOW)) });
  people.author = await person('author', 'Alma', 'elena-markova');
  people.contributor = await person('contributor', 'Connie');
  people.editor = await person('editor', 'Edith');
});
after(() => t.close());

describe('the sources library in the administration', () => {
  test('an author adds a source, finds it by author, and edits it', async () => {
    const res = await send('/admin/sources', people.author, SOURCE);
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/admin/sources/edit/coox-1985a?notice=created');
    const list = await get('/admin/sources?q=Coox', people.author);
    assert.match(list.body, /<a href="\/admin\/sources\/edit\/coox-1985a">coox-1985a<\/a>/);
    const anyCase = await get('/admin/sources?q=JAPAN%20AGAINST', people.author);
    assert.match(anyCase.body, /coox-1985a/, 'the search ignores case');
    const none = await get('/admin/sources?q=Tolstoy', people.author);
    assert.match(none.body, /No source matches this search/);
    const edit = await get(String(res.headers.location), people.author);
    assert.match(edit.body, /Source added\./);
    assert.match(edit.body, /<textarea id="source-authors" name="authors"[^>]*>Coox, Alvin D\.<\/textarea>/);
  });

  test('a refused form shows each problem by its field and keeps what was typed', async () => {
    const res = await send('/admin/sources', people.author, {
      ...SOURCE,
      key: 'Coox 1985!',
      title: '',
      date: 'spring 1985',
      publisher: 'Kept Press',
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /role="alert"/);
    assert.match(res.body, /id="source-key-error">Use lower-case letters/);
    assert.match(res.body, /id="source-title-error">Give the title\./);
    assert.match(res.body, /aria-describedby="source-date-hint source-date-error"/);
    assert.match(res.body, /value="Kept Press"/);
    assert.match(res.body, /value="Coox 1985!"/);
    const taken = await send('/admin/sources', people.author, SOURCE);
    assert.equal(taken.statusCode, 409);
    assert.match(taken.body, /Another source has this key/);
  });

  test('the form takes a translated, edited book in two volumes in a series; its page shows it in every style', async () => {
    const form = await get('/admin/sources/new', people.author);
    for (const label of ['Translators', 'Editors', 'Number of volumes', 'Series', 'Translated title', 'Collection'])
      assert.match(form.body, new RegExp(`<label for="source-[a-zA-Z]+">${label}</label>`), label);
    const res = await send('/admin/sources', people.author, {
      key: 'zhukov-1969',
      type: 'book',
      authors: 'Zhukov, Georgi K.',
      editors: 'Salisbury, Harrison E.',
      translators: 'Shabad, Theodore',
      title: "Marshal {Zhukov}'s Greatest Battles",
      numberOfVolumes: '2',
      collectionTitle: 'Soviet Memoirs',
      collectionNumber: '4',
      publisher: 'Harper & Row',
      place: 'New York',
      date: '1969',
    });
    assert.equal(res.statusCode, 303, res.body);
    const page = await publicPage('/sources/zhukov-1969/');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<title>Marshal Zhukov's Greatest Battles · /);
    const text = page.body.replace(/&#x27;|&#39;/g, "'").replace(/&amp;/g, '&');
    assert.ok(
      text.includes(
        'Georgi K. Zhukov, <i>Marshal Zhukov’s Greatest Battles</i>, ed. Harrison E. Salisbury, trans. Theodore Shabad, Soviet Memoirs 4 (New York: Harper & Row, 1969).',
      ),
    );
    assert.ok(
      text.includes(
        'Zhukov, Georgi K. <i>Marshal Zhukov’s Greatest Battles</i>. Edited by Harrison E. Salisbury. Translated by Theodore Shabad. 2 vols. Soviet Memoirs 4. New York: Harper & Row, 1969.',
      ),
    );
    assert.ok(
      text.includes(
        'Zhukov, G. K. (1969). <i>Marshal Zhukov’s greatest battles</i> (H. E. Salisbury, Ed.; T. Shabad, Trans.; Vols. 1–2). Harper & Row.',
      ),
    );
    assert.match(text, /<dt>Chicago \(author-date, 17th edition\)<\/dt><dd><p>In the text: \(Zhukov 1969\)<\/p>/);
    const edit = await get('/admin/sources/edit/zhukov-1969', people.author);
    assert.match(edit.body, /<textarea id="source-translators" name="translators"[^>]*>Shabad, Theodore<\/textarea>/);
  });

  test('contributors and signed-out visitors cannot reach the library', async () => {
    assert.equal((await get('/admin/sources', people.contributor)).statusCode, 403);
    assert.equal((await send('/admin/sources', people.contributor, { ...SOURCE, key: 'x-1' })).statusCode, 403);
    const anon = await get('/admin/sources');
    assert.equal(anon.statusCode, 303);
  });

  test('an import reports the entries it took and the broken ones with their reasons; a file works too', async () => {
    const bib = [
      '@article{Ilyina1995, author = {Ilyina, Marta}, title = {Zhukov at Khalkhin Gol},',
      '  journal = {Steppe History Review}, volume = 8, number = 2, pages = {387--406}, year = 1995}',
      '@book{half, title = {Never closed',
      '@book{coox-1985a, title = {Clash}, year = 1985}',
    ].join('\n');
    const res = await importRequest(people.author, { text: bib });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /1 imported, 0 replaced, 2 failed \(BibTeX\)/);
    assert.match(res.body, /<a href="\/admin\/sources\/edit\/ilyina1995">ilyina1995<\/a>/);
    assert.match(res.body, /<strong>@book\{half\} \(line 3\)<\/strong>: BibTeX syntax/);
    assert.match(
      res.body,
      /<strong>@book\{coox-1985a\} \(line 4\)<\/strong>: The library already has a source “coox-1985a”/,
    );
    const ris =
      'TY  - ELEC\nAU  - Hale, Nora\nTI  - Khalkhin Gol Today\nUR  - https://example.org/kg\nPY  - 2024\nER  - \n';
    const file = await importRequest(people.author, { file: { name: 'hale.ris', body: ris } });
    assert.match(file.body, /1 imported, 0 replaced, 0 failed \(RIS\)/);
    assert.ok(await db().selectFrom('sources').select('id').where('key', '=', 'hale-2024').executeTakeFirst());
  });

  test('a library longer than a page is paged: the pager says where the reader is and leads both ways', async () => {
    const bib = Array.from(
      { length: 60 },
      (_, i) => `@book{paged-${String(i).padStart(2, '0')}, title = {Paged volume ${i}}, year = 2001}`,
    ).join('\n');
    assert.match((await importRequest(people.author, { text: bib })).body, /60 imported, 0 replaced, 0 failed/);
    const total = (await db().selectFrom('sources').select('id').execute()).length;
    const pages = Math.ceil(total / 50);
    const pagerOn = async (n: number) => {
      const page = parsePage((await get(`/admin/sources?page=${n}`, people.author)).body);
      const nav = page.get('navigation', 'Pages of sources');
      const link = (text: string) => page.within(nav).all('link', text)[0];
      return { status: page.text(nav), prev: link('Previous page'), next: link('Next page'), page };
    };
    const first = await pagerOn(1);
    assert.match(first.status, new RegExp(`Page 1 of ${pages}`));
    assert.equal(first.prev, undefined);
    assert.equal(first.page.attr(first.next!, 'href'), '/admin/sources?page=2');
    const last = await pagerOn(pages);
    assert.match(last.status, new RegExp(`Page ${pages} of ${pages}`));
    assert.equal(last.page.attr(last.prev!, 'href'), `/admin/sources?page=${pages - 1}`);
    assert.equal(last.next, undefined);
  });

  test('text that is no bibliography is refused with a message and nothing is imported', async () => {
    const before = (await db().selectFrom('sources').select('id').execute()).length;
    const res = await importRequest(people.author, { text: 'my notes from the library' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /does not look like a BibTeX, RIS or CSL-JSON bibliography/);
    assert.match(res.body, /my notes from the library<\/textarea>/);
    assert.equal((await db().selectFrom('sources').select('id').execute()).length, before);
    const forged = await t.app.inject({
      method: 'POST',
      url: '/admin/sources/import?csrf=wrong',
      headers: {
        'content-type': 'multipart/form-data; boundary=x',
        cookie: people.author.cookie,
        origin: TEST_BASE_URL,
      },
      payload: '--x--\r\n',
    });
    assert.equal(forged.statusCode, 403);
  });
});

test('the editor’s live preview marks a key with no source', async () => {
  const res = await send('/admin/posts/preview', people.author, { body: 'Claim.:cite[glantz-1938]{p=4}' });
  assert.equal(res.statusCode, 200);
  const { html } = JSON.parse(res.body) as { html: string };
  assert.match(html, /<span class="cite-unknown" title="No source has this key">\[glantz-1938\]<\/span>/);
});

describe('cited articles', () => {
  before(async () => {
    await article(
      'cited-published',
      'The battle began.:cite[coox-1985a]{p=112} It went on.[^1]\n\n[^1]: A note.',
      'published',
    );
    await article('cited-draft', 'Draft.:cite[coox-1985a]{p=3}', 'draft');
  });

  test('the article shows the note and the bibliography; the source cannot be deleted while cited', async () => {
    const page = await publicPage('/cited-published/');
    assert.equal(page.statusCode, 200);
    assert.match(
      page.body,
      /Alvin D\. Coox, <em>Nomonhan: Japan against Russia, 1939<\/em> \(Stanford: Stanford University Press, 1985\), 112\./,
    );
    assert.match(page.body, /<h2 id="bibliography">Bibliography<\/h2>/);
    const del = await send('/admin/sources/edit/coox-1985a/delete', people.author, {});
    assert.equal(del.statusCode, 409);
    assert.match(del.body, /cited by “A draft citing Coox”, “Article cited-published”/);
  });

  test('the public source page lists published articles citing it, never drafts', async () => {
    const page = await publicPage('/sources/coox-1985a/');
    assert.equal(page.statusCode, 200);
    assert.match(
      page.body,
      /Coox, Alvin D\. <i>Nomonhan: Japan against Russia, 1939<\/i>\. Stanford: Stanford University Press, 1985\./,
    );
    assert.match(page.body, /<a href="\/cited-published\/">Article cited-published<\/a>/);
    assert.doesNotMatch(page.body, /cited-draft|A draft citing Coox/);
    const index = await publicPage('/sources/');
    assert.match(index.body, /<a href="\/sources\/coox-1985a\/">/);
    assert.equal((await publicPage('/sources/no-such-source/')).statusCode, 404);
  });

  test('editing a source changes the article’s note at the next read, past the page cache', async () => {
    assert.match((await publicPage('/cited-published/')).body, /Stanford University Press, 1985\), 112/, 'cached');
    const res = await send('/admin/sources/edit/coox-1985a', people.author, {
      ...SOURCE,
      publisher: 'Stanford Univ. Press',
      date: '1990',
    });
    assert.equal(res.statusCode, 303, res.body);
    const page = await publicPage('/cited-published/');
    assert.match(page.body, /\(Stanford: Stanford Univ\. Press, 1990\), 112\./);
  });

  test('changing the site’s style to APA re-renders cited articles', async () => {
    const owner = await person('owner', 'Olga');
    const settings = await get('/admin/settings', owner);
    const field = (name: string) => new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(settings.body)?.[1] ?? '';
    const res = await send('/admin/settings', owner, {
      title: field('title'),
      tagline: field('tagline'),
      description: /name="description"[^>]*>([^<]*)</.exec(settings.body)?.[1] ?? '',
      locale: field('locale'),
      timeZone: field('timeZone'),
      postsPerPage: field('postsPerPage'),
      revisionsKept: field('revisionsKept'),
      citationStyle: 'apa',
    });
    assert.equal(res.statusCode, 303, res.body);
    const page = await publicPage('/cited-published/');
    // Before the sentence's full stop, though the writer typed the cite after it (APA 8.10).
    assert.match(page.body, /The battle began \(Coox, 1990, p\. 112\)\. It went on\./);
    assert.match(page.body, /<em>Nomonhan: Japan against Russia, 1939<\/em>/);
    assert.match(page.body, /<h2 id="references">References<\/h2>/);
    // Back to Chicago for the tests below.
    await db().updateTable('settings').set({ value: '"chicago"' }).where('key', '=', 'citationStyle').execute();
    await db().updateTable('posts').set({ render_version: 0 }).execute();
    // Written past the services, so announced here as every write is: what readers' pages keep is read again.
    t.site.content.noteWrite();
  });

  test('feeds and the JSON API carry the notes', async () => {
    const feed = await publicPage('/feed.json');
    const item = (JSON.parse(feed.body) as { items: { url: string; content_html: string }[] }).items.find((i) =>
      i.url.endsWith('/cited-published/'),
    );
    assert.match(item?.content_html ?? '', /Alvin D\. Coox, <em>Nomonhan/);
    const rss = await publicPage('/feed/');
    assert.match(rss.body, /Alvin D\. Coox, &lt;em&gt;Nomonhan|Alvin D\. Coox, <em>Nomonhan/);
    const api = await publicPage('/api/v1/posts/cited-published');
    assert.equal(api.statusCode, 200);
    assert.match(api.body, /Alvin D\. Coox, <em>Nomonhan/);
  });

  test('“Cite this article” gives Chicago and APA, and BibTeX and CSL-JSON downloads', async () => {
    const page = await publicPage('/cited-published/');
    assert.match(page.body, /<details class="cite-article"><summary>Cite this article<\/summary>/);
    // Chicago sets the title in headline capitals and the site's name in italics, as for a blog (14.208).
    assert.match(
      page.body,
      /Markova, Elena\. “Article Cited-Published\.” <i>The Steppe and the Sea<\/i>, November 1, 2026\./,
    );
    assert.match(page.body, /<dt>APA<\/dt><dd>Markova, E\. \(2026, November 1\)\. Article cited-published\./);
    assert.match(page.body, /<dt>Chicago author-date<\/dt><dd>Markova, Elena\. 2026\. “Article Cited-Published\.”/);
    const bib = await publicPage('/cited-published/cite.bib');
    assert.equal(bib.statusCode, 200);
    assert.equal(bib.headers['content-type'], 'application/x-bibtex; charset=utf-8');
    assert.match(
      bib.body,
      /^@online\{cited-published,\n {2}author = \{Markova, Elena\},\n {2}title = \{\{Article cited-published\}\},/,
    );
    assert.match(bib.body, /url = \{http:\/\/annalist\.test\/cited-published\/\}/);
    const json = await publicPage('/cited-published/cite.json');
    assert.equal(json.headers['content-type'], 'application/vnd.citationstyles.csl+json; charset=utf-8');
    const [item] = JSON.parse(json.body) as { type: string; title: string; issued: unknown }[];
    assert.equal(item?.type, 'post-weblog');
    assert.equal(item?.title, 'Article cited-published');
    assert.deepEqual(item?.issued, { 'date-parts': [[2026, 11, 1]] });
    assert.equal((await publicPage('/cited-draft/cite.bib')).statusCode, 404);
  });
});
