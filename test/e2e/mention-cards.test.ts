import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { EVIDENCE_SLUG } from '../../src/modules/demo/demo-evidence.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { launchBrowser, PHONE, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';

// A reader meets a name in the text (issue 17) and sees who or what it is in a small card beside it, without
// leaving the article: by keyboard, by a tap on a phone, by a resting pointer. Without script the name is a link.
const ARTICLE = `/${EVIDENCE_SLUG}/`;
const WIDE = { width: 1440, height: 900 };
const MENTION = 'article .prose a.mention[data-entity="person:georgy-zhukov"]';
const CARD = '[role="dialog"]#mention-card';
type Point = { x: number; y: number };

let site: ServedSite;
let browser: TestBrowser;
let axeBrowser: TestBrowser;
before(async () => {
  [site, browser, axeBrowser] = await Promise.all([
    startServedSite(),
    launchBrowser(),
    launchBrowser({ bypassCSP: true }),
  ]);
});
after(async () => {
  await browser?.close();
  await axeBrowser?.close();
  await site?.close();
});

async function withArticle(
  viewport: { width: number; height: number },
  story: (page: Page) => Promise<void>,
  from = browser,
) {
  const page = await from.newPage(viewport);
  try {
    await page.goto(site.origin + ARTICLE);
    await page.locator(MENTION).first().scrollIntoViewIfNeeded();
    await story(page);
  } finally {
    await page.close();
  }
}

/** Tab onto the mention from the link before it, as a keyboard reader arrives. */
async function tabToMention(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const mention = document.querySelector('${MENTION}');
    const links = Array.from(document.querySelectorAll('a[href]'));
    links[links.indexOf(mention) - 1].focus({ preventScroll: true });
  })()`);
  await page.keyboard.press('Tab');
}

async function cardText(page: Page): Promise<string> {
  await page.locator(CARD).waitFor({ state: 'visible' });
  return ((await page.locator(CARD).textContent()) ?? '').replace(/\s+/g, ' ');
}

async function cardBox(page: Page) {
  const box = await page.locator(CARD).boundingBox();
  assert.ok(box, 'the card has a box');
  return box;
}

/** A finger's tap (touch events through the DevTools protocol, not a mouse click). */
async function tap(page: Page, point: Point): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

describe('a reader sees who a name in the article is', () => {
  test('Tab to a mention shows its card with the name, kind and dates; Escape shuts it and focus stays', async () => {
    await withArticle(WIDE, async (page) => {
      assert.equal(await page.locator(CARD).isVisible(), false, 'no card before the reader asks');
      await tabToMention(page);
      const text = await cardText(page);
      for (const words of ['Georgy Zhukov', 'Person', '1896', '1974', 'Soviet commander.', 'Open page'])
        assert.ok(text.includes(words), `the card says "${words}": ${text}`);
      assert.equal(await page.locator(MENTION).first().getAttribute('aria-expanded'), 'true');
      assert.equal(await page.evaluate('document.activeElement.dataset.entity'), 'person:georgy-zhukov');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate('document.activeElement.id'), 'mention-card', 'Enter takes focus into it');
      assert.equal(new URL(page.url()).pathname, ARTICLE, 'Enter did not leave the article');
      await page.keyboard.press('Escape');
      await page.locator(CARD).waitFor({ state: 'hidden' });
      assert.equal(await page.evaluate('document.activeElement.dataset.entity'), 'person:georgy-zhukov');
      assert.equal(await page.locator(MENTION).first().getAttribute('aria-expanded'), 'false');
    });
  });

  test('a tap on a phone shows the card inside the screen, leaving most of it free, and "Open page" goes there', async () => {
    await withArticle(PHONE, async (page) => {
      const m = await page.locator(MENTION).first().boundingBox();
      assert.ok(m);
      await tap(page, { x: m.x + Math.min(m.width / 2, 20), y: m.y + m.height / 2 });
      assert.ok((await cardText(page)).includes('Georgy Zhukov'));
      assert.equal(new URL(page.url()).pathname, ARTICLE, 'the tap did not leave the article');
      const box = await cardBox(page);
      assert.ok(box.x >= 0 && box.y >= 0, `the card starts inside the screen (${box.x}, ${box.y})`);
      assert.ok(box.x + box.width <= PHONE.width && box.y + box.height <= PHONE.height, 'and ends inside it');
      assert.ok(box.height < PHONE.height / 2, `it covers less than half the screen's height (${box.height}px)`);
      const mention = await page.locator(MENTION).first().boundingBox();
      assert.ok(mention);
      const overlaps = box.y < mention.y + mention.height && mention.y < box.y + box.height;
      assert.equal(overlaps, false, 'the name stays in sight beside its card');
      await page
        .locator(CARD)
        .getByRole('link', { name: /Open page/ })
        .click();
      await page.waitForURL(`${site.origin}/people/georgy-zhukov/`);
    });
  });

  test('a resting mouse pointer shows the card and moving away shuts it', async () => {
    await withArticle(WIDE, async (page) => {
      await page.locator(MENTION).first().hover();
      assert.ok((await cardText(page)).includes('Georgy Zhukov'));
      await page.mouse.move(5, 5);
      await page.locator(CARD).waitFor({ state: 'hidden' });
    });
  });

  test('axe-core finds nothing wrong with a card open on a phone', async () => {
    await withArticle(
      PHONE,
      async (page) => {
        await tabToMention(page);
        await page.keyboard.press('Enter');
        await page.locator(CARD).waitFor({ state: 'visible' });
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], describeViolations('article with a mention card open', violations));
      },
      axeBrowser,
    );
  });
});

describe('a reader whose browser runs no script', () => {
  test('the mention is a link to the entity page, and no card shows', async () => {
    const noScript = await launchBrowser({ javaScriptEnabled: false });
    try {
      await withArticle(
        PHONE,
        async (page) => {
          assert.equal(await page.locator('#mention-card').count(), 0);
          await page.locator(MENTION).first().click();
          await page.waitForURL(`${site.origin}/people/georgy-zhukov/`);
          assert.equal(await page.locator('h1').textContent(), 'Georgy Zhukov');
        },
        noScript,
      );
    } finally {
      await noScript.close();
    }
  });
});
