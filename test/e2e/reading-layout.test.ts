import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { EVIDENCE_SLUG } from '../../src/modules/demo/demo-evidence.ts';
import { launchBrowser, PHONE, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { TEST_BASE_URL } from '../support/site.ts';

// The demo's long article (notes, bibliography, a corrections log and a 43-comment discussion) read on a phone,
// on a wide desktop screen and on paper (issue 16, "Reading" and "Print").
const ARTICLE = `/${EVIDENCE_SLUG}/`;
const WIDE = { width: 1440, height: 900 };
/** A4 pages the article printed to before issue 16, when print left in the discussion and every control. */
const PAGES_BEFORE = 20;

let site: ServedSite;
let browser: TestBrowser;
before(async () => {
  [site, browser] = await Promise.all([startServedSite(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await site?.close();
});

async function openArticle(viewport: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage(viewport);
  await page.goto(site.origin + ARTICLE);
  return page;
}

async function withArticle(viewport: { width: number; height: number }, story: (page: Page) => Promise<void>) {
  const page = await openArticle(viewport);
  try {
    await story(page);
  } finally {
    await page.close();
  }
}

/** Pages of an A4 PDF of the page as it is, counted by its page objects. */
async function a4Pages(page: Page): Promise<number> {
  const pdf = await page.pdf({ format: 'A4' });
  return pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0;
}

// Browser-side code is passed as strings: tsx would wrap inner functions in a helper (__name) the page lacks.

/** The selectors among these that match an element the reader can see. */
const SEEN = (selectors: string[]) => `(() => ${JSON.stringify(selectors)}.filter((s) =>
  Array.from(document.querySelectorAll(s)).some((el) => el.checkVisibility())))()`;

/** Font sizes of the article's visible headings, by level ("H2": ["33.6px"]). Visually hidden ones left out. */
const HEADING_SIZES = `(() => {
  const sizes = {};
  for (const h of Array.from(document.querySelectorAll('article.article :is(h1, h2, h3, h4, h5, h6)'))) {
    const box = h.getBoundingClientRect();
    if (!h.checkVisibility() || box.width <= 1 || box.height <= 1) continue;
    const list = (sizes[h.tagName] ??= []);
    const size = getComputedStyle(h).fontSize;
    if (!list.includes(size)) list.push(size);
  }
  return sizes;
})()`;

/**
 * Characters per rendered line of the body's paragraphs, each paragraph's last line left out (issue 16's
 * measure): every character's box is found with a Range, and characters are counted by the line they sit on.
 */
const CHARS_PER_LINE = `(() => {
  const counts = [];
  for (const p of Array.from(document.querySelectorAll('.prose > p'))) {
    const lines = [];
    const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      for (let i = 0; i < node.data.length; i++) {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect) continue;
        const middle = rect.top + rect.height / 2;
        const line = lines.find((l) => Math.abs(l.middle - middle) < 8);
        if (line) line.chars++;
        else lines.push({ middle, chars: 1 });
      }
    }
    lines.sort((a, b) => a.middle - b.middle);
    for (const l of lines.slice(0, -1)) counts.push(l.chars);
  }
  return counts.sort((a, b) => a - b);
})()`;

/** Sizes of every note marker and back-link, and paragraphs with markers whose height is not whole lines. */
const NOTE_TARGETS = `(() => {
  const size = (el) => { const r = el.getBoundingClientRect(); return { w: r.width, h: r.height }; };
  const uneven = [];
  for (const p of Array.from(document.querySelectorAll('.prose p'))) {
    if (!p.querySelector('[data-footnote-ref]')) continue;
    const lines = p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight);
    if (Math.abs(lines - Math.round(lines)) > 0.1) uneven.push(p.textContent.slice(0, 40) + ': ' + lines.toFixed(2) + ' lines');
  }
  return {
    markers: Array.from(document.querySelectorAll('.prose [data-footnote-ref]')).map(size),
    backLinks: Array.from(document.querySelectorAll('.prose [data-footnote-backref]')).map(size),
    uneven,
  };
})()`;

describe('reading the Khalkhin-Gol article on a phone, a desktop and paper', () => {
  test('printed to A4 it takes at most half the pages of the screen layout, and half its old 20', async () => {
    await withArticle(WIDE, async (page) => {
      await page.emulateMedia({ media: 'screen' });
      const screenPages = await a4Pages(page);
      await page.emulateMedia({ media: 'print' });
      const printPages = await a4Pages(page);
      assert.ok(screenPages >= PAGES_BEFORE, `the screen layout on A4 is long (${screenPages} pages)`);
      assert.ok(
        printPages <= screenPages / 2 && printPages <= PAGES_BEFORE / 2,
        `printed: ${printPages} pages; screen layout on A4: ${screenPages}; before: ${PAGES_BEFORE}`,
      );
    });
  });

  test('on paper I get the article, its notes, bibliography, corrections and address, without the discussion or controls', async () => {
    await withArticle(WIDE, async (page) => {
      const address = await page.locator('link[rel="canonical"]').getAttribute('href');
      assert.equal(address, `${TEST_BASE_URL}${ARTICLE}`);
      const printedAddress = page.locator('.article__address');
      assert.equal(await printedAddress.isVisible(), false, 'the address line is for paper, not the screen');

      await page.emulateMedia({ media: 'print' });
      const comments = page.locator('#comments');
      assert.equal(
        await comments.evaluate((el) => getComputedStyle(el).display),
        'none',
        'the discussion is not printed',
      );
      assert.deepEqual(
        await page.evaluate(
          SEEN([
            '#comments',
            '.comment',
            'form',
            'button',
            'input',
            'textarea',
            'summary',
            'nav',
            '.tags',
            '.suggest-correction',
            '.cite-article',
            '.widget-area',
            '.site-footer',
          ]),
        ),
        [],
        'no comment, form, button, field, navigation, tag or widget is printed',
      );
      assert.deepEqual(
        await page.evaluate(SEEN(['h1', '.standfirst', '.prose > p', '#notes', '#bibliography', '#corrections'])),
        ['h1', '.standfirst', '.prose > p', '#notes', '#bibliography', '#corrections'],
        'the article, its notes, bibliography and corrections are printed',
      );
      assert.ok(await printedAddress.isVisible(), 'the article’s address is printed');
      assert.match((await printedAddress.textContent()) ?? '', new RegExp(`${address?.replace(/[.]/g, '\\.')}$`));
    });
  });

  for (const [where, viewport] of [
    ['on a phone', PHONE],
    ['on a desktop', WIDE],
  ] as const) {
    test(`${where} every heading level in the article, notes and corrections included, has one size`, async () => {
      await withArticle(viewport, async (page) => {
        const sizes = await page.evaluate<Record<string, string[]>>(HEADING_SIZES);
        const h2s = await page.locator('article.article h2').allInnerTexts();
        for (const name of ['Notes', 'Bibliography', 'Corrections and updates'])
          assert.ok(h2s.includes(name), `the article has a “${name}” heading (${h2s.join(', ')})`);
        for (const [level, list] of Object.entries(sizes)) assert.equal(list.length, 1, `${level}: ${list.join(', ')}`);
      });
    });
  }

  test('on a phone every note marker and back-link is at least 24×24 px, and lines keep their spacing', async () => {
    await withArticle(PHONE, async (page) => {
      const { markers, backLinks, uneven } = await page.evaluate<{
        markers: { w: number; h: number }[];
        backLinks: { w: number; h: number }[];
        uneven: string[];
      }>(NOTE_TARGETS);
      assert.ok(
        markers.length >= 10 && backLinks.length >= 10,
        `${markers.length} markers, ${backLinks.length} back-links`,
      );
      for (const [what, list] of [
        ['marker', markers],
        ['back-link', backLinks],
      ] as const) {
        const small = list.filter((b) => b.w < 24 || b.h < 24).map((b) => `${b.w.toFixed(1)}×${b.h.toFixed(1)}`);
        assert.deepEqual(small, [], `every ${what} is at least 24×24 px`);
      }
      assert.deepEqual(uneven, [], 'a paragraph with note markers is a whole number of lines tall');
    });
  });

  test('on a 390×844 phone the first paragraph starts within a screen and a half, under a compact header', async () => {
    await withArticle(PHONE, async (page) => {
      const top = await page
        .locator('.prose > p')
        .first()
        .evaluate((p) => p.getBoundingClientRect().top + scrollY);
      assert.ok(top <= PHONE.height * 1.5, `the first paragraph starts at ${top.toFixed(0)}px`);
      const header = await page.locator('.site-header').evaluate((h) => h.getBoundingClientRect().height);
      assert.ok(header <= 100, `the header is ${header.toFixed(0)}px tall`);

      // The breadcrumb leaves the title to the h1 below and keeps to one line, with no "›" dangling.
      const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
      const lines = await crumbs.evaluate(
        (n) => n.getBoundingClientRect().height / parseFloat(getComputedStyle(n).lineHeight),
      );
      assert.ok(lines < 1.5, `the breadcrumb takes ${lines.toFixed(1)} lines`);

      // The menu and the contents are folded, and open when asked.
      const about = page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'About this site' });
      assert.equal(await about.isVisible(), false, 'the menu is folded');
      await page.locator('.site-header summary').click();
      assert.ok(await about.isVisible(), 'Menu shows the site’s links');
      await page.locator('.site-header summary').click();

      const contents = page.getByRole('navigation', { name: 'Contents' });
      const entry = contents.getByRole('link', { name: 'Zhukov prepares' });
      assert.equal(await entry.isVisible(), false, 'the contents list is folded');
      await contents.locator('summary').click();
      assert.ok(await entry.isVisible(), 'the contents open from their summary');
    });
  });

  test('on a 1440×900 desktop the contents sit beside the text, and the first paragraph starts in the first screen', async () => {
    await withArticle(WIDE, async (page) => {
      const box = (selector: string) =>
        page
          .locator(selector)
          .first()
          .evaluate((el) => {
            const r = el.getBoundingClientRect();
            return { left: r.left, right: r.right, top: r.top + scrollY };
          });
      const contents = await box('nav.toc');
      const first = await box('.prose > p');
      assert.ok(
        contents.right <= first.left,
        `the contents end at ${contents.right.toFixed(0)}px, the text starts at ${first.left.toFixed(0)}px`,
      );
      assert.ok(contents.top <= WIDE.height, `the contents start at ${contents.top.toFixed(0)}px`);
      assert.ok(first.top <= WIDE.height, `the first paragraph starts at ${first.top.toFixed(0)}px`);

      // Read on: the contents stay in sight beside the text, and still lead to every section.
      await page.locator('#notes').scrollIntoViewIfNeeded();
      const seen = await page.locator('nav.toc').evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.top >= 0 && r.top < innerHeight;
      });
      assert.ok(seen, 'the contents stay in sight while reading');
      await page.getByRole('navigation', { name: 'Contents' }).getByRole('link', { name: 'Zhukov prepares' }).click();
      await page.waitForURL(/#/);
      const heading = await page
        .getByRole('heading', { name: 'Zhukov prepares' })
        .evaluate((h) => h.getBoundingClientRect().top);
      assert.ok(heading >= 0 && heading < WIDE.height, `the section’s heading is in sight (${heading.toFixed(0)}px)`);
    });
  });

  test('on a 1440×900 desktop body lines run 60 to 72 characters at the median, with menu and contents open', async () => {
    await withArticle(WIDE, async (page) => {
      const counts = await page.evaluate<number[]>(CHARS_PER_LINE);
      assert.ok(counts.length >= 100, `${counts.length} full lines measured`);
      const median = counts[Math.floor(counts.length / 2)] ?? 0;
      assert.ok(median >= 60 && median <= 72, `median ${median} characters a line`);

      assert.ok(
        await page.getByRole('navigation', { name: 'Site' }).getByRole('link', { name: 'About this site' }).isVisible(),
      );
      assert.equal(await page.locator('.site-header summary').isVisible(), false, 'no Menu button on a wide screen');
      const contents = page.getByRole('navigation', { name: 'Contents' });
      assert.ok(await contents.getByRole('link', { name: 'Zhukov prepares' }).isVisible(), 'the contents are open');
    });
  });
});
