import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type PreflightIssue, preflightPost } from '../../src/modules/preflight/preflight.service.ts';
import { startTestSite, TEST_BASE_URL, TEST_DATABASE, type TestSite } from '../support/site.ts';

// The preflight hint for an unmarked name of a known entity (decision 045): a warning, once per entity, never
// for words in code, links or existing mentions, nor for an entity the article marks elsewhere.
let site: TestSite;
before(async () => {
  site = await startTestSite();
});
after(() => site.close());

const names = async (bodyMarkdown: string): Promise<PreflightIssue[]> =>
  (
    await preflightPost(
      { db: site.site.storage.db, clock: site.clock, baseUrl: TEST_BASE_URL },
      { title: 'Khalkhin-Gol, 1939', standfirst: 'A border war on the steppe.', bodyMarkdown },
    )
  ).issues.filter((i) => i.check === 'entity-name');

describe(`unmarked entity names in an article (${TEST_DATABASE})`, () => {
  test('an unmarked name is pointed out with its line and the mention to write, once per entity', async () => {
    const body = [
      '## The summer',
      '',
      'The river was quiet in May.',
      '',
      'Then Zhukov arrived from Minsk, and Zhukov planned the August attack.',
    ].join('\n');
    const found = await names(body);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(
      found[0]?.message,
      '“Zhukov” (line 5) matches the person Georgy Zhukov; mark it as :person[Zhukov]{#georgy-zhukov} to link it to its page.',
    );
    assert.equal(found[0]?.line, 5);
  });

  test('names in other scripts and spellings are found too, the longest name first', async () => {
    const body = 'Георгий Константинович Жуков crossed the Халхин-Гол near ノモンハン事件の現場.';
    const found = await names(body);
    assert.deepEqual(
      found.map((i) => i.excerpt),
      ['Георгий Константинович Жуков', 'Халхин-Гол', 'ノモンハン事件'],
    );
    assert.match(
      found[2]?.message ?? '',
      /matches the event Battle of Khalkhin Gol; mark it as :event\[ノモンハン事件\]/,
    );
  });

  test('a marked name, and the same entity named again after a mention, raise nothing', async () => {
    assert.deepEqual(await names('Then :person[Zhukov]{#georgy-zhukov} arrived. Later Zhukov planned the attack.'), []);
  });

  test('names inside code, links and other mentions are left alone, and a lower-case word is not a name', async () => {
    const body = [
      'See `Zhukov` in the code, and [Nomonhan](https://example.org/nomonhan) in a link.',
      '',
      '```',
      'Khalkhin-Gol in a block of code',
      '```',
      '',
      'The :event[battle near Nomonhan]{#battle-of-khalkhin-gol} ended in September.',
      '',
      'He wrote zhukov in his notes.',
    ].join('\n');
    assert.deepEqual(await names(body), []);
  });

  test('the hint warns and never blocks: an unknown mention is still flagged as before', async () => {
    const issues = (
      await preflightPost(
        { db: site.site.storage.db, clock: site.clock, baseUrl: TEST_BASE_URL },
        { title: 'A note', standfirst: '', bodyMarkdown: 'On :person[Someone]{#no-such-person} and Nomonhan.' },
      )
    ).issues;
    assert.ok(issues.some((i) => i.check === 'mention' && /no-such-person/.test(i.message)));
    assert.ok(issues.some((i) => i.check === 'entity-name' && i.excerpt === 'Nomonhan'));
  });
});
