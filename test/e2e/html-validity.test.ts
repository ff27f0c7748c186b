import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_PAGE_TYPES, startTestSite, type TestSite } from '../support/site.ts';
import { htmlErrors } from '../support/vnu.ts';

let t: TestSite;
before(async () => {
  t = await startTestSite();
});
after(() => t.close());

describe('HTML validity', () => {
  test('every page type is valid HTML according to the Nu validator', async () => {
    const pages: { name: string; html: string }[] = [];
    for (const [name, url] of Object.entries(DEMO_PAGE_TYPES)) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.match(res.headers['content-type'] as string, /^text\/html/, `${name} is HTML`);
      pages.push({ name: `${name} (${url})`, html: res.body });
    }
    const errors = await htmlErrors(pages);
    assert.equal(errors.length, 0, `validator errors:\n${errors.join('\n')}`);
  });
});
