import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { NAMES_SHOWN } from '../../src/web/history/entity-names.views.tsx';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// Issue 17, bad input: an entity with 200 name variants keeps a page a reader can take in (the first names
// listed, the rest folded, every one still there) and an admin form that shows and saves them all. And the
// preview cards an article carries for its mentions are escaped text.

let t: TestSite;
const { person, get, send } = staffClient(() => t);
let editor: Person;

const page = (url: string) => t.app.inject({ method: 'GET', url });

/** 200 spellings of one town's name: a numbered variant in a few scripts, every one different. */
const NAMES = Array.from({ length: 200 }, (_, i) => {
  const n = String(i + 1).padStart(3, '0');
  return i % 3 === 0 ? `ru: Ташкент-${n}` : i % 3 === 1 ? `Tashkent ${n} (transliteration)` : `uz: Toshkent ${n}`;
});
const shown = (line: string) => line.replace(/^[a-z]+: /, '').replace(/ \(transliteration\)$/, '');

before(async () => {
  t = await startTestSite();
  editor = await person('editor', 'Edith');
});
after(() => t.close());

describe(`an entity with 200 names (${TEST_DATABASE})`, () => {
  let editUrl = '';
  test('its page lists the first names and folds the rest behind "All 200 names", each name once', async () => {
    const created = await send('/admin/entities', editor, {
      kind: 'place',
      name: 'Tashkent',
      slug: 'tashkent',
      names: NAMES.join('\n'),
    });
    assert.equal(created.statusCode, 303, created.body);
    editUrl = String(created.headers.location).replace(/\?.*/, '');
    const res = await page('/places/tashkent/');
    assert.equal(res.statusCode, 200);
    const [listed, folded] = res.body.split('<details class="entity-names__more">');
    assert.ok(folded, 'the names beyond the first are folded in a <details>');
    assert.match(folded, /^\s*<summary>All 200 names/);
    const outright = listed!.slice(listed!.lastIndexOf('<ul class="entity-names">'));
    assert.equal((outright.match(/<li[ >]/g) ?? []).length, NAMES_SHOWN, 'a handful listed outright');
    for (const line of NAMES) {
      const name = shown(line);
      assert.equal(res.body.split(`>${name}<`).length - 1, 1, `"${name}" is on the page once`);
    }
    assert.match(res.body, /<li lang="ru">Ташкент-001<\/li>/);
    assert.match(res.body, /<li lang="ru">Ташкент-199<\/li>/);
  });

  test('the admin form shows all 200 names again, and saving it unchanged keeps them', async () => {
    const form = await get(editUrl, editor);
    assert.equal(form.statusCode, 200);
    const box = /<textarea[^>]*name="names"[^>]*>([\s\S]*?)<\/textarea>/.exec(form.body)?.[1] ?? '';
    assert.equal(box.trim().split('\n').length, 200, 'one name a line in the box');
    const saved = await send(editUrl, editor, {
      kind: 'place',
      name: 'Tashkent',
      slug: 'tashkent',
      names: NAMES.join('\n'),
    });
    assert.equal(saved.statusCode, 303, saved.body);
    const res = await page('/places/tashkent/');
    assert.match(res.body, /<summary>All 200 names/);
  });

  test('a 201st name is refused with a message at the field, and the writer keeps what they typed', async () => {
    const res = await send(editUrl, editor, {
      kind: 'place',
      name: 'Tashkent',
      slug: 'tashkent',
      names: [...NAMES, 'Tashkand'].join('\n'),
    });
    assert.equal(res.statusCode, 400, res.body.slice(0, 300));
    assert.match(res.body, /200/);
    assert.ok(res.body.includes('Tashkand'), 'the 201st name is still in the box');
  });
});

describe(`mention cards carried by an article (${TEST_DATABASE})`, () => {
  test("a mentioned entity's card is in the page as inert, escaped text, with its date in words", async () => {
    const created = await send('/admin/entities', editor, {
      kind: 'person',
      name: 'Grigori <b>Shtern</b>',
      slug: 'grigori-shtern',
      date: '1900/1941',
      description: 'Commander of the Soviet forces in the Far East in 1939. <script>alert(1)</script> More follows.',
    });
    assert.equal(created.statusCode, 303, created.body);
    await savePost(t.site.content, {
      type: 'post',
      slug: 'shtern-notes',
      title: 'Notes on Shtern',
      bodyMarkdown: 'In 1939 :person[Shtern]{#grigori-shtern} held the front command.',
      status: 'published',
      publishedAt: null,
      authorSlugs: ['elena-markova'],
    });
    const res = await page('/shtern-notes/');
    assert.equal(res.statusCode, 200);
    const card = /<template data-mention-card="person:grigori-shtern"[^>]*>([\s\S]*?)<\/template>/.exec(res.body);
    assert.ok(card, 'the article carries the card of the person it mentions');
    assert.match(card[0], /data-name="Grigori &lt;b>Shtern&lt;\/b>"|data-name="Grigori &lt;b&gt;Shtern&lt;\/b&gt;"/);
    assert.ok(card[1]!.includes('between 1900 and 1941'), card[1]);
    assert.ok(card[1]!.includes('Commander of the Soviet forces in the Far East in 1939.'), card[1]);
    assert.ok(!card[1]!.includes('<script'), 'the description is escaped text');
    assert.ok(!card[1]!.includes('More follows'), 'the card carries the first sentence');
    assert.ok(card[1]!.includes('href="/people/grigori-shtern/"'));
    assert.match(res.body, /<script type="module" src="\/assets\/mention-cards\.[0-9a-f]+\.js"/);
  });

  test('an article without mentions carries no cards and no card script', async () => {
    await savePost(t.site.content, {
      type: 'post',
      slug: 'plain-notes',
      title: 'Plain notes',
      bodyMarkdown: 'Nothing here names anyone.',
      status: 'published',
      publishedAt: null,
      authorSlugs: ['elena-markova'],
    });
    const res = await page('/plain-notes/');
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes('data-mention-card'));
    assert.ok(!res.body.includes('mention-cards.'));
  });
});
