import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { recountPostComments, setCommentStatus } from '../../src/modules/comments/comment.repository.ts';
import { upsertTag } from '../../src/modules/content/taxonomy.repository.ts';
import type { Db } from '../../src/storage/schema.ts';
import { inTransaction } from '../../src/storage/transaction.ts';
import { createArticle, createComment } from '../support/factories.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';

let t: TestSite;
let db: Db;
before(async () => {
  t = await startTestSite({ demo: false });
  db = t.site.storage.db;
});
after(() => t.close());

async function heldComment(postId: number, name: string): Promise<number> {
  const row = await db
    .insertInto('comments')
    .values({
      post_id: postId,
      parent_id: null,
      thread_id: null,
      author_name: name,
      author_email: `${name.toLowerCase()}@example.net`,
      author_url: null,
      user_id: null,
      body_md: `A comment by ${name}.`,
      body_html: `<p>A comment by ${name}.</p>`,
      quoted_comment_id: null,
      quoted_text: null,
      status: 'held',
      created_at: new Date().toISOString(),
      updated_at: null,
      approved_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.updateTable('comments').set({ thread_id: row.id }).where('id', '=', row.id).execute();
  return row.id;
}

/**
 * Runs `first` in a transaction and holds that transaction open while `second` starts in another, so that
 * `second` has to wait for `first` (PostgreSQL: a row lock; SQLite: the one writer at a time), then lets
 * `first` commit. Resolves to what each returned.
 */
async function overlapping<A, B>(first: (trx: Db) => Promise<A>, second: (trx: Db) => Promise<B>): Promise<[A, B]> {
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  let started!: () => void;
  const firstDone = new Promise<void>((r) => {
    started = r;
  });
  const a = inTransaction(db, async (trx) => {
    const result = await first(trx);
    started();
    await held;
    return result;
  });
  await firstDone;
  const b = inTransaction(db, second);
  await sleep(300); // the second is waiting now
  release();
  return Promise.all([a, b]);
}

describe(`two transactions at once (${TEST_DATABASE})`, () => {
  test('two moderators approving comments on one article at the same moment leave the count right', async () => {
    const post = await createArticle(t);
    // Comments already there, approved, so the count starts from more than nothing.
    for (let i = 0; i < 3; i++) await createComment(t, post);
    const [first, second] = [await heldComment(post.id, 'First'), await heldComment(post.id, 'Second')];
    const now = new Date().toISOString();

    await overlapping(
      async (trx) => {
        await setCommentStatus(trx, first, 'approved', now);
        await recountPostComments(trx, post.id);
      },
      async (trx) => {
        await setCommentStatus(trx, second, 'approved', now);
        await recountPostComments(trx, post.id);
      },
    );

    const { n } = await db
      .selectFrom('comments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('post_id', '=', post.id)
      .where('status', '=', 'approved')
      .executeTakeFirstOrThrow();
    const counted = await db
      .selectFrom('posts')
      .select(['comment_count', 'thread_count'])
      .where('id', '=', post.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(counted.comment_count), Number(n), 'the article shows as many comments as are approved');
  });

  test('two writers tagging posts with the same new tag at the same moment share one tag, and neither fails', async () => {
    const [a, b] = await overlapping(
      (trx) => upsertTag(trx, 'nomonhan-incident', 'Nomonhan incident'),
      (trx) => upsertTag(trx, 'nomonhan-incident', 'Nomonhan incident'),
    );
    assert.equal(a, b);
    const tags = await db.selectFrom('tags').select('id').where('slug', '=', 'nomonhan-incident').execute();
    assert.equal(tags.length, 1);
  });

  test('two transactions that both find the same key free and take it: the loser runs again and takes the next', async () => {
    // The shape of freeSlug() and of every "is it taken? then insert" check.
    const claim = async (trx: Db) => {
      const taken = await trx.selectFrom('tags').select('id').where('slug', '=', 'tsushima').executeTakeFirst();
      const slug = taken ? 'tsushima-2' : 'tsushima';
      await trx.insertInto('tags').values({ slug, name: 'Tsushima' }).execute();
      return slug;
    };
    const slugs = await overlapping(claim, claim);
    assert.deepEqual(slugs.sort(), ['tsushima', 'tsushima-2']);
  });
});
