import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { readConfig } from '../../src/config.ts';
import { type Site, startServer } from '../../src/main.ts';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import { newTestDatabase, TEST_BASE_URL, type TestDatabase } from '../support/site.ts';
import { signInThroughForm } from '../support/staff-client.ts';
import { until } from '../support/until.ts';

// The CDN in front of the site must hear about every write. The moderation queue's actions once went unheard:
// the admin routes copied the site's write announcement before the purge webhook was wired into it, so a removed
// abusive comment stayed in the CDN's copy of the article.

const received: unknown[] = [];
const hook = createServer((req: IncomingMessage, res) => {
  let text = '';
  req.on('data', (d: Buffer) => {
    text += d.toString();
  });
  req.on('end', () => {
    received.push(JSON.parse(text));
    res.end('ok');
  });
});

let dir: string;
let database: TestDatabase;
let app: FastifyInstance;
let site: Site;

before(async () => {
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  const address = hook.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  dir = mkdtempSync(join(tmpdir(), 'annalist-purge-'));
  database = await newTestDatabase();
  const config = readConfig(
    {},
    {
      dataDir: dir,
      databaseUrl: database.databaseUrl,
      port: 0,
      host: '127.0.0.1',
      baseUrl: TEST_BASE_URL,
      logLevel: 'silent',
      workers: 1,
      purgeWebhook: `http://127.0.0.1:${port}/purge`,
    },
  );
  ({ app, site } = await startServer(config));
});

after(async () => {
  await app.close();
  hook.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function signedInModerator(email = 'mira@example.org'): Promise<{ cookie: string; csrf: string }> {
  const deps = { db: site.content.db, clock: site.content.clock };
  const user = await createUser(deps, { email, name: 'Mira', role: 'moderator' });
  await setPassword(deps, { userId: user.id, password: 'correct horse battery staple' });
  const { cookie } = await signInThroughForm(app, { email: user.email, password: 'correct horse battery staple' });
  const page = await app.inject({ method: 'GET', url: '/admin/moderation', headers: { cookie } });
  return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(page.body)![1]! };
}

describe('a moderator trashing a comment in the queue', () => {
  test('tells the purge webhook, so the CDN drops the article with the removed comment', async () => {
    const { cookie, csrf } = await signedInModerator();
    const comment = await site.content.db
      .selectFrom('comments')
      .innerJoin('posts', 'posts.id', 'comments.post_id')
      .select(['comments.id', 'comments.post_id', 'posts.slug'])
      .where('comments.status', '=', 'approved')
      .orderBy('comments.id')
      .executeTakeFirstOrThrow();
    // A reader has the article (so this node keeps it), and another article.
    const article = `/${comment.slug}/`;
    assert.equal((await app.inject({ url: article })).statusCode, 200);
    assert.equal((await app.inject({ url: '/sources/' })).statusCode, 200);
    // Starting, signing in and reading the queue change no content: the hook has heard nothing yet.
    assert.equal(received.length, 0);
    const res = await app.inject({
      method: 'POST',
      url: `/admin/moderation/${comment.id}/trash`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: TEST_BASE_URL, cookie },
      payload: new URLSearchParams({ csrf, back: '/admin/moderation' }).toString(),
    });
    assert.equal(res.statusCode, 303, res.body);
    await until('the purge webhook hears of the trashed comment', () => received.length > 0);
    // Exactly what changed: the article's discussion and the site's comment lists, with the article's path.
    const purge = received[0] as { keys: string[]; paths: string[]; removal: boolean };
    assert.deepEqual(purge.keys.sort(), ['*', 'comments', `post:${comment.post_id}:comments`]);
    assert.equal(purge.removal, true);
    assert.ok(purge.paths.includes(article), `the article's path is named: ${purge.paths.join(' ')}`);
  });
});

describe('the wiring, built once', () => {
  test('a listener subscribed after the app is built hears the queue actions; buildApp never changes its input', async () => {
    const { cookie, csrf } = await signedInModerator('noor@example.org');
    let heard = 0;
    const stop = site.changes.subscribe(() => {
      heard += 1;
    });
    try {
      const comment = await site.content.db
        .selectFrom('comments')
        .select('id')
        .where('status', '=', 'approved')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      const res = await app.inject({
        method: 'POST',
        url: `/admin/moderation/${comment.id}/trash`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: TEST_BASE_URL, cookie },
        payload: new URLSearchParams({ csrf, back: '/admin/moderation' }).toString(),
      });
      assert.equal(res.statusCode, 303, res.body);
      assert.ok(heard >= 1, 'the listener added late heard the trashed comment');
    } finally {
      stop();
    }
    // The composition root's dependencies are frozen, and the app's own cache of repeated reads lives on its copy.
    assert.ok(Object.isFrozen(site.content));
    assert.equal(site.content.memo, undefined);
    assert.throws(() => {
      (site.content as { noteWrite: () => void }).noteWrite = () => {};
    }, TypeError);
  });
});
