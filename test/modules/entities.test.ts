import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import {
  createEntity,
  deleteEntity,
  editEntity,
  entityFormOf,
  getEntity,
  getEntityPage,
} from '../../src/modules/history/entities.service.ts';
import { emptyEntityForm } from '../../src/modules/history/entity-form.ts';
import { mentionsOf } from '../../src/modules/markdown/mention-directive.ts';
import { preflightPost } from '../../src/modules/preflight/preflight.service.ts';
import { isAppError } from '../../src/modules/shared/errors.ts';
import type { EntityKind } from '../../src/storage/schema.ts';
import { createUser } from '../support/factories.ts';
import { startTestSite, TEST_DATABASE, TestClock, type TestSite } from '../support/site.ts';

// A site without the demo: every entity, post and byline here is this file's own.
let t: TestSite;
let writer: string;
const deps = () => t.site.content;

before(async () => {
  t = await startTestSite({ demo: false, clock: new TestClock(new Date('2026-12-01T09:00:00.000Z')) });
  const author = await createUser(t, 'author', { name: 'A Writer', byline: true });
  writer = author.byline!;
});
after(() => t.close());

const entity = (kind: EntityKind, name: string, slug: string, more: Record<string, string> = {}) =>
  createEntity(deps(), { ...emptyEntityForm(kind), name, slug, ...more });

const post = (slug: string, body: string, status: 'draft' | 'published' = 'published', id?: number) =>
  savePost(deps(), {
    id,
    type: 'post',
    slug,
    title: `About ${slug}`,
    bodyMarkdown: body,
    status,
    authorSlugs: [writer],
  });

const mentionedIn = async (postId: number) =>
  (
    await t.site.content.db
      .selectFrom('entity_mentions')
      .innerJoin('entities', 'entities.id', 'entity_mentions.entity_id')
      .select(['entities.kind', 'entities.slug'])
      .where('entity_mentions.post_id', '=', postId)
      .orderBy('entities.slug')
      .execute()
  ).map((r) => `${r.kind}:${r.slug}`);

async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  assert.fail('expected a refusal');
}

describe(`entities and their mentions (${TEST_DATABASE})`, () => {
  test('the mentions of a body are read with their kind, each once, and ids that cannot be slugs are left out', () => {
    const found = mentionsOf(
      'Marshal :person[Zhukov]{#georgy-zhukov} crossed :place[the river]{#khalkhin-gol}; :person[he]{#georgy-zhukov} ' +
        'wrote of :org[the corps]{#57th-special-corps}, :event[the battle]{#Bad_Id} and :cite[coox-1985].',
    );
    assert.deepEqual(found, [
      { kind: 'person', slug: 'georgy-zhukov' },
      { kind: 'place', slug: 'khalkhin-gol' },
      { kind: 'organisation', slug: '57th-special-corps' },
    ]);
  });

  test('saving a post records the entities it mentions, and a later save without a mention drops it', async () => {
    await entity('person', 'Georgy Zhukov', 'georgy-zhukov');
    await entity('place', 'Nomonhan', 'nomonhan');
    const saved = await post(
      'mentions-kept',
      'At :place[Nomonhan]{#nomonhan}, :person[Zhukov]{#georgy-zhukov} met :person[nobody]{#no-such-person}.',
    );
    assert.deepEqual(await mentionedIn(saved.id), ['person:georgy-zhukov', 'place:nomonhan']);
    await post('mentions-kept', 'At :place[Nomonhan]{#nomonhan} alone.', 'published', saved.id);
    assert.deepEqual(await mentionedIn(saved.id), ['place:nomonhan']);
  });

  test('an entity added after an article mentions it is linked to that article', async () => {
    const saved = await post('waiting-mention', 'The :event[clash]{#lake-khasan-clash} came first.');
    assert.deepEqual(await mentionedIn(saved.id), []);
    await entity('event', 'Battle of Lake Khasan', 'lake-khasan-clash', { date: '1938-07-29/1938-08-11' });
    assert.deepEqual(await mentionedIn(saved.id), ['event:lake-khasan-clash']);
  });

  test('an entity a draft mentions cannot be deleted; once the mention is gone it can', async () => {
    const corps = await entity('organisation', '57th Special Corps', '57th-special-corps');
    const draft = await post('draft-with-corps', 'The :org[corps]{#57th-special-corps} arrived.', 'draft');
    const err = await refusal(deleteEntity(deps(), corps.id));
    assert.equal(err.code, 'ENTITY_IN_USE');
    assert.match(err.publicMessage, /About draft-with-corps.*\(draft\)/);
    assert.equal((await getEntity(deps(), corps.id)).name, '57th Special Corps');
    await post('draft-with-corps', 'The corps arrived.', 'draft', draft.id);
    await deleteEntity(deps(), corps.id);
    assert.equal((await refusal(getEntity(deps(), corps.id))).code, 'ENTITY_NOT_FOUND');
  });

  test('a renamed entity keeps its old slug as a redirect, and mentions of the old slug still count', async () => {
    const river = await entity('place', 'Khalkhin Gol', 'khalkhin-gol-river');
    await editEntity(deps(), { id: river.id, form: { ...entityFormOf(river), slug: 'khalkhin-gol' } });
    const old = await getEntityPage(deps(), { kind: 'place', slug: 'khalkhin-gol-river', page: 1 });
    assert.deepEqual(old, { kind: 'redirect', slug: 'khalkhin-gol' });
    const current = await getEntityPage(deps(), { kind: 'place', slug: 'khalkhin-gol', page: 1 });
    assert.equal(current.kind, 'page');
    const saved = await post('old-river-slug', 'Along the :place[river]{#khalkhin-gol-river}.');
    assert.deepEqual(await mentionedIn(saved.id), ['place:khalkhin-gol']);
    // The old slug is another kind's to use: a person may have it.
    const other = await getEntityPage(deps(), { kind: 'person', slug: 'khalkhin-gol-river', page: 1 }).catch((e) => e);
    assert.ok(isAppError(other) && other.code === 'ENTITY_NOT_FOUND');
  });

  test('a date is stored with its day bounds, and a bad one is refused naming the character', async () => {
    const battle = await entity('event', 'Battle of Khalkhin Gol', 'battle-of-khalkhin-gol', {
      date: '1939-05-11/1939-09-16',
    });
    assert.equal(battle.date?.words, 'between 11 May and 16 September 1939');
    const row = await t.site.content.db
      .selectFrom('entities')
      .select(['date_lower', 'date_upper'])
      .where('id', '=', battle.id)
      .executeTakeFirstOrThrow();
    // Days since 1970-01-01: 11 May 1939 and 16 September 1939.
    assert.deepEqual(
      [Number(row.date_lower), Number(row.date_upper)],
      [Date.UTC(1939, 4, 11) / 86_400_000, Date.UTC(1939, 8, 16) / 86_400_000],
    );
    const err = await refusal(entity('event', 'Bad date', 'bad-date', { date: '1939-13' }));
    assert.equal(err.code, 'ENTITY_INVALID');
    assert.match(err.fields?.date ?? '', /^Character 6: /);
    const wikidata = await refusal(entity('person', 'Bad id', 'bad-id', { wikidata: 'P31' }));
    assert.match(wikidata.fields?.wikidata ?? '', /Q followed by digits/);
  });

  test('the checks warn of a mention whose entity does not exist, naming its line, and pass a known one', async () => {
    await entity('person', 'Grigory Shtern', 'grigory-shtern');
    const report = await preflightPost(deps(), {
      title: 'Commanders',
      standfirst: '',
      bodyMarkdown:
        'Both commanders.\n\n:person[Shtern]{#grigory-shtern} and :person[Smushkevich]{#yakov-smushkevich}.',
    });
    const mentions = report.issues.filter((i) => i.check === 'mention');
    assert.equal(mentions.length, 1, JSON.stringify(report.issues));
    assert.match(mentions[0]!.message, /No person has the id “yakov-smushkevich”/);
    assert.equal(mentions[0]!.line, 3);
  });
});
