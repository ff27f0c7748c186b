import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dropTestDatabase } from '../support/postgres.ts';
import { startTestSite, TEST_DATABASE, type TestSite, testPostgresAdminUrl } from '../support/site.ts';

let t: TestSite;
before(async () => {
  t = await startTestSite({ pageCache: true });
});
after(() => t.close());

describe(`the load balancer's health check (${TEST_DATABASE})`, () => {
  test('GET /healthz answers 200 "ok" while the database answers, and is never served from the page cache', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.body, 'ok\n');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.notEqual(res.headers['x-cache'], 'hit', `request ${i + 1} was answered now, not from the cache`);
    }
  });

  test('fails once the database is gone', async () => {
    // PostgreSQL: the site's database dropped under it (its connections closed). SQLite: the connection closed.
    // Either way nothing can be read any more.
    if (TEST_DATABASE === 'postgres') await dropTestDatabase(await testPostgresAdminUrl(), t.databaseUrl!);
    else await t.site.storage.close();
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    // 503 from the health check itself, or from the request hooks when they already need the database: either
    // way a failing status, never "ok".
    assert.ok(res.statusCode >= 500, `a failing status (${res.statusCode})`);
    assert.doesNotMatch(res.body, /\bok\b|\n\s+at /);
  });
});
