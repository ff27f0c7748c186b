/**
 * The JSON writer without personal data (`includePersonalData: false`), which /admin/export uses for admins
 * who are not owners: no reader's email address and no email or IP address of the ban list anywhere in the
 * document, also where a moderation reason quotes a ban, while the document still validates against
 * docs/export-schema.json and keeps every comment and suggestion. By default (the CLI) they are all there.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { writeJsonExport } from '../../src/modules/export/json-export.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';

const SCHEMA = fileURLToPath(new URL('../../docs/export-schema.json', import.meta.url));
const BANNED_IP = '203.0.113.77';
const BANNED_EMAIL = 'banned.reader@example.net';
const COMMENTER = 'returning.reader@example.com';

let t: TestSite;

async function exportText(includePersonalData?: boolean): Promise<string> {
  const parts: string[] = [];
  await writeJsonExport(
    {
      db: t.site.content.db,
      annalistVersion: '0.0.0-test',
      exportedAt: '2026-01-01T00:00:00.000Z',
      baseUrl: 'https://steppe.example',
      includeMediaBytes: false,
      ...(includePersonalData === undefined ? {} : { includePersonalData }),
    },
    {
      write: async (text) => {
        parts.push(text);
      },
    },
  );
  return parts.join('');
}

before(async () => {
  t = await startTestSite();
  const db = t.site.content.db;
  const now = '2025-10-01T09:00:00.000Z';
  await db
    .insertInto('commenters')
    .values({ email: COMMENTER, confirmed_at: now, unsubscribed_at: null, created_at: now })
    .execute();
  await db
    .insertInto('bans')
    .values([
      { kind: 'ip', value: BANNED_IP, reason: 'flooding', created_at: now, expires_at: null },
      { kind: 'email', value: BANNED_EMAIL, reason: 'abuse', created_at: now, expires_at: null },
      { kind: 'word', value: 'casino', reason: 'spam', created_at: now, expires_at: null },
    ])
    .execute();
  // A comment the ban caught: its moderation reason quotes the banned address, as the pipeline writes it.
  const reason = {
    phase: 'bannedAuthor',
    code: 'BANNED_EMAIL',
    message: `The email address "${BANNED_EMAIL}" is on the ban list.`,
  };
  await db
    .updateTable('comments')
    .set({ author_email: BANNED_EMAIL, status: 'spam', reasons_json: JSON.stringify([reason]) })
    .where('id', '=', 3)
    .execute();
});
after(async () => {
  await t?.close();
});

describe(`the JSON export without personal data (${TEST_DATABASE})`, () => {
  test('holds no reader email and no banned email or IP address, and still validates against the schema', async () => {
    const db = t.site.content.db;
    const text = await exportText(false);
    const doc = JSON.parse(text) as Record<string, Record<string, unknown>[]>;
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));
    assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 3)));

    const addresses = [
      // Readers' comments: a comment written from an account carries staff's address, exported with the account.
      ...(await db.selectFrom('comments').select('author_email as a').where('user_id', 'is', null).execute()),
      ...(await db.selectFrom('correction_suggestions').select('author_email as a').execute()),
      { a: COMMENTER },
      { a: BANNED_EMAIL },
      { a: BANNED_IP },
    ]
      .map((r) => r.a)
      .filter((a) => a !== '');
    assert.ok(addresses.length > 40, 'the demo has readers with addresses');
    for (const address of new Set(addresses)) assert.ok(!text.includes(address), `${address} is left out`);
    assert.doesNotMatch(JSON.stringify({ ...doc, accounts: [] }), /@example\.(org|com|net)/);

    // Nothing else is lost: every comment and suggestion is there, the word ban too.
    const comments = await db.selectFrom('comments').select('id').execute();
    assert.equal(doc.comments?.length, comments.length);
    assert.ok(doc.comments?.every((c) => c.author_email === ''));
    assert.equal(doc.suggestions?.length, 2);
    assert.deepEqual(doc.commenters, []);
    assert.deepEqual(
      doc.bans?.map((b) => b.kind),
      ['word'],
    );
    const caught = doc.comments?.find((c) => c.id === 3);
    assert.deepEqual(caught?.moderation_reasons, [
      { phase: 'bannedAuthor', code: 'BANNED_EMAIL', message: 'The email address is on the ban list.' },
    ]);
  });

  test('by default (annalist export json, owners) the addresses are all there', async () => {
    const text = await exportText();
    for (const address of [COMMENTER, BANNED_EMAIL, BANNED_IP, 'm.ellery@example.org'])
      assert.ok(text.includes(address), address);
    assert.equal(await exportText(true), text);
  });
});
