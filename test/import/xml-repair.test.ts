/**
 * `--repair`: the tolerant reading of WordPress and Disqus exports that are not well-formed XML. The repair stage
 * on its own (a well-formed file passes unchanged, a chunk boundary anywhere changes nothing), then broken files
 * imported as a reader sees them: what strict reading refuses, what --repair recovers on the article pages,
 * every repair in the report, and what is refused whatever the option (a DOCTYPE, a file cut short).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { importDisqus } from '../../src/modules/import/disqus-import.service.ts';
import { formatReport, type ImportReport } from '../../src/modules/import/import-report.ts';
import { importWordpress } from '../../src/modules/import/wordpress-import.service.ts';
import { readWxr } from '../../src/modules/import/wxr-reader.ts';
import { XmlRepair } from '../../src/modules/import/xml-repair.ts';
import { AppError } from '../../src/modules/shared/errors.ts';
import {
  BROKEN_DISQUS,
  BROKEN_WXR,
  ENTITY_BOMB_WXR,
  EXTERNAL_ENTITY_WXR,
  inChunks,
  positionOf,
} from '../support/broken-exports.ts';
import { shownUnder } from '../support/comment-threads.ts';
import { startTestSite, type TestSite } from '../support/site.ts';

const refuseDoctype = (line: number): never => {
  throw new Error(`DOCTYPE at line ${line}`);
};

/** The repaired text of `text` fed in pieces cut at `cuts`. */
function repaired(text: string, cuts: number[]): { out: string; total: number } {
  const repair = new XmlRepair(refuseDoctype);
  let out = '';
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out += repair.feed(text.slice(from, cut), false);
    from = cut;
  }
  out += repair.feed('', true);
  return { out, total: repair.log.total };
}

describe('the repair stage', () => {
  test('a well-formed export passes through unchanged, and nothing is reported', () => {
    for (const name of ['amur-chronicle.wxr.xml', 'amur-discussion.disqus.xml', 'no-version-https-prefix.wxr.xml']) {
      const text = readFileSync(new URL(`../fixtures/import/${name}`, import.meta.url), 'utf8');
      const cuts = Array.from({ length: Math.floor(text.length / 7) }, (_, i) => (i + 1) * 7);
      assert.deepEqual(repaired(text, cuts), { out: text, total: 0 }, name);
    }
  });

  test('a chunk boundary anywhere (inside "&amp;", "&nbsp;", "]]>", "<![CDATA[", a tag name) changes nothing', () => {
    const text =
      '<r><t a=x>Salt &amp; silk &nbsp; & tea</t><c><![CDATA[if (a[b[0]]> 1) <![CDATA[x]]> y]]></c>\u0001<e/></r>';
    const whole = repaired(text, []);
    assert.equal(
      whole.out,
      '<r><t a="x">Salt &amp; silk \u00a0 &amp; tea</t><c><![CDATA[if (a[b[0]]]]><![CDATA[> 1) <![CDATA[x]]]]><![CDATA[> y]]></c><e/></r>',
    );
    for (let cut = 1; cut < text.length; cut++) assert.deepEqual(repaired(text, [cut]), whole, `cut at ${cut}`);
    const everyCharacter = Array.from({ length: text.length - 1 }, (_, i) => i + 1);
    assert.deepEqual(repaired(text, everyCharacter), whole);
  });

  test('a nested CDATA and a "]]>" in a code sample keep their text, as WordPress meant it', async () => {
    const values: Record<string, string> = {};
    for (const size of [1, 5, 64 * 1024]) {
      await readWxr(inChunks(BROKEN_WXR, size), {
        repair: true,
        onRecord: async (r) => {
          if (r.kind === 'item') values[`${r.item.id} ${size}`] = `${r.item.title}\n${r.item.content}`;
        },
      });
    }
    const first = values['101 1'] as string;
    assert.match(first, /^Furs & tea at Kyakhta\n/);
    assert.match(first, /brick tea\.<\/p>/, 'the control character is gone');
    assert.match(first, /<code>if \(bales\[row\[0\]\]> limit\)<\/code> before a caravan left/);
    assert.match(first, /<!\[CDATA\[sealed at Kyakhta\]\]> and the seals held as far as Irkutsk\.<\/p>$/);
    assert.equal(
      (values['102 1'] as string).split('\n')[0],
      'Prices in &rouble;s on the road to Irkutsk\u00a0\u2014 ninety days',
    );
    for (const size of [5, 64 * 1024]) {
      assert.equal(values[`101 ${size}`], first);
      assert.equal(values[`102 ${size}`], values['102 1']);
    }
  });
});

const get = (t: TestSite, url: string) => t.app.inject({ method: 'GET', url });

async function page(t: TestSite, url: string): Promise<string> {
  const res = await get(t, url);
  assert.equal(res.statusCode, 200, `${url} answers 200`);
  return res.body;
}

async function rowCounts(t: TestSite) {
  const n = async (table: 'posts' | 'comments' | 'categories' | 'authors') =>
    Number(
      (
        await t.site.storage.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { posts: await n('posts'), comments: await n('comments'), authors: await n('authors') };
}

describe('importing broken exports', () => {
  let t: TestSite;
  const wordpress = (text: string, opts: { repair?: boolean; dryRun?: boolean; chunk?: number } = {}) =>
    importWordpress(t.site.content, { open: () => inChunks(text, opts.chunk ?? 16 * 1024), ...opts });

  async function refused(run: () => Promise<unknown>, code: string): Promise<AppError> {
    const before = await rowCounts(t);
    const err = await run().then(
      () => assert.fail('the file was imported'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, code, err.publicMessage);
    assert.deepEqual(await rowCounts(t), before, 'nothing was imported');
    return err;
  }

  before(async () => {
    t = await startTestSite({ demo: false });
  });
  after(() => t.close());

  test('without --repair the file is refused at its first fault, with line and column, and nothing is imported', async () => {
    const err = await refused(() => wordpress(BROKEN_WXR), 'IMPORT_MALFORMED');
    const [line, column] = positionOf(BROKEN_WXR, 'Furs &', 5).split(':');
    assert.match(err.publicMessage, new RegExp(`at line ${line}, column ${column}: a bare "&"`));
  });

  test('a DOCTYPE is refused even with --repair: entity bombs, external entities, any spelling', async () => {
    for (const file of [ENTITY_BOMB_WXR, EXTERNAL_ENTITY_WXR, BROKEN_WXR.replace('<rss', '<!doctype rss>\n<rss')]) {
      const err = await refused(() => wordpress(file, { repair: true }), 'IMPORT_REFUSED');
      assert.match(err.publicMessage, /declares a DOCTYPE/);
    }
  });

  test('a file cut short is refused even with --repair, saying where it ends and inside what', async () => {
    const inBody = BROKEN_WXR.slice(0, BROKEN_WXR.indexOf('before a caravan left'));
    const cdata = positionOf(BROKEN_WXR, '<content:encoded>').split(':')[0];
    const err = await refused(() => wordpress(inBody, { repair: true }), 'IMPORT_MALFORMED');
    assert.match(
      err.publicMessage,
      new RegExp(
        `ends inside a CDATA section \\(from line ${cdata}\\) in <content:encoded> \\(opened at line ${cdata}, in rss > channel > item\\); it may be cut short\\.$`,
      ),
    );
    const inItem = BROKEN_WXR.slice(0, BROKEN_WXR.indexOf('<dc:creator>')).replace('Furs &', 'Furs and');
    const strict = await refused(() => wordpress(inItem), 'IMPORT_MALFORMED');
    assert.match(
      strict.publicMessage,
      /ends inside <item> \(opened at line 8, in rss > channel\); it may be cut short/,
    );
  });

  test('a fault --repair cannot mend is refused at its place in the file, columns counted as in the file', async () => {
    const line = '<title>Salt & silk & tea</titel>';
    const broken = BROKEN_WXR.replace('<title>Furs & tea at Kyakhta</title>', line);
    // Small chunks: the strict reading meets the mismatched tag before any later fault.
    const err = await refused(() => wordpress(broken, { repair: true, chunk: 64 }), 'IMPORT_MALFORMED');
    const mended = await refused(
      () => wordpress(broken.replaceAll(' & ', ' &amp; '), { chunk: 64 }),
      'IMPORT_MALFORMED',
    );
    const at = (e: AppError) => /line (\d+), column (\d+)/.exec(e.publicMessage)?.slice(1).map(Number);
    const [mendedLine, mendedColumn] = at(mended) as number[];
    assert.deepEqual(at(err), [mendedLine, (mendedColumn as number) - 8], err.publicMessage);
  });

  describe('with --repair', () => {
    let report: ImportReport;
    before(async () => {
      report = await wordpress(BROKEN_WXR, { repair: true });
    });

    test('the articles read as their writer meant them', async () => {
      const furs = await page(t, '/furs-and-tea/');
      assert.match(furs, /<h1[^>]*>Furs &amp; tea at Kyakhta<\/h1>/);
      assert.match(furs, /furs were weighed against brick tea\.<\/p>/);
      assert.match(furs, /<code>if \(bales\[row\[0\]\](?:>|&gt;) limit\)<\/code> before a caravan left\./);
      assert.match(furs, /and the seals held as far as Irkutsk\./);
      assert.match(furs, /Prices rose 3 (?:&lt;|&#x3C;) 4 times (?:&amp;|&#x26;) more in a bad year\./);
      const ninety = await page(t, '/ninety-days/');
      assert.match(ninety, /<h1[^>]*>Prices in &amp;rouble;s on the road to Irkutsk[\s\u00a0]\u2014 ninety days<\/h1>/);
      assert.ok(!ninety.includes('\u001b') && !ninety.includes('\u0007'), 'no control character reaches the page');
    });

    test('the report lists every repair with its line and column', () => {
      assert.equal(report.counts.post.imported, 2);
      assert.deepEqual(report.repairs, {
        'bare-ampersand': 2,
        'bare-less-than': 1,
        'html-entity': 2,
        'unknown-entity': 1,
        'disallowed-character': 2,
        'nested-cdata': 2,
      });
      const repairs = report.lines.filter((l) => l.outcome === 'repaired').map((l) => `${l.oldId} ${l.reason}`);
      assert.deepEqual(
        repairs.sort(),
        [
          `${positionOf(BROKEN_WXR, 'Furs &', 5)} bare "&" written as "&amp;"`,
          `${positionOf(BROKEN_WXR, '3 < 4', 2)} bare "<" written as "&lt;"`,
          `${positionOf(BROKEN_WXR, '4 times &', 8)} bare "&" written as "&amp;"`,
          `${positionOf(BROKEN_WXR, '&nbsp;')} HTML entity "&nbsp;" written as U+00A0`,
          `${positionOf(BROKEN_WXR, '&mdash;')} HTML entity "&mdash;" written as U+2014`,
          `${positionOf(BROKEN_WXR, '&rouble;')} unknown entity "&rouble;" kept as text`,
          `${positionOf(BROKEN_WXR, '\u0007')} character U+0007 dropped`,
          `${positionOf(BROKEN_WXR, '&#27;')} "&#27;" (a character XML does not allow) dropped`,
          `${positionOf(BROKEN_WXR, ']]> limit')} "]]>" inside a CDATA section kept as text`,
          `${positionOf(BROKEN_WXR, ']]> and the seals')} "]]>" inside a CDATA section kept as text`,
        ].sort(),
      );
      const text = formatReport(report);
      assert.match(text, /^Repaired while reading \(--repair; listed under Details\): bare-ampersand 2, /m);
      assert.match(text, new RegExp(`^  file ${positionOf(BROKEN_WXR, 'Furs &', 5)}: repaired, bare "&" written`, 'm'));
    });

    test('a chunk boundary inside any token (a character at a time) gives the same import', async () => {
      const tiny = await wordpress(BROKEN_WXR, { repair: true, dryRun: true, chunk: 1 });
      assert.deepEqual(
        tiny.lines.filter((l) => l.outcome === 'repaired'),
        report.lines.filter((l) => l.outcome === 'repaired'),
      );
      assert.equal(tiny.counts.post.unchanged, 2, 'the same posts, found unchanged');
    });

    test('a Disqus export with a stray character, unquoted ids and a bare "&" brings its thread', async () => {
      const before = await importDisqus(t.site.content, { open: () => inChunks(BROKEN_DISQUS, 3) }).then(
        () => 'imported',
        (e: AppError) => e.code,
      );
      assert.equal(before, 'IMPORT_MALFORMED');
      const disqus = await importDisqus(t.site.content, { open: () => inChunks(BROKEN_DISQUS, 3), repair: true });
      assert.equal(disqus.counts.comment.imported, 2);
      assert.deepEqual(disqus.repairs, {
        'bare-ampersand': 2,
        'html-entity': 1,
        'stray-text': 1,
        'unquoted-attribute': 2,
      });
      assert.ok(
        disqus.lines.some((l) => l.oldId === '1:1' && /text outside the root element dropped: "`"/.test(l.reason)),
      );
      const html = await page(t, '/furs-and-tea/');
      assert.equal(shownUnder(html, 'were money there.'), 'My great-grandfather drove camels on this road.');
      assert.match(html, /Camel &amp; Co\./);
    });

    test('100,000 bare ampersands make a count and the first twenty positions, not 100,000 lines', async () => {
      const noisy = BROKEN_WXR.replace(
        '<wp:post_id>102</wp:post_id>',
        `<wp:post_id>102</wp:post_id><junk:notes>${'R&D '.repeat(100_000)}</junk:notes>`,
      );
      const big = await wordpress(noisy, { repair: true, dryRun: true });
      assert.equal(big.repairs['bare-ampersand'], 100_002);
      const lines = big.lines.filter((l) => l.outcome === 'repaired' && l.reason.includes('bare "&"'));
      assert.equal(lines.length, 21);
      assert.match(lines.at(-1)?.reason ?? '', /^99,982 more of the same kind, 100,002 in all: a bare "&"/);
      assert.ok(formatReport(big).split('\n').length < 80, 'the printed report stays short');
    });
  });
});
