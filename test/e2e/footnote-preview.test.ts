import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { EVIDENCE_SLUG } from '../../src/modules/demo/demo-evidence.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { launchBrowser, PHONE, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';

// A reader of the demo's long article opens a note beside its marker instead of jumping to the notes list and
// back (issue 16, reading): by a tap on a phone, a click, a resting mouse pointer, or the keyboard.
const ARTICLE = `/${EVIDENCE_SLUG}/`;
const WIDE = { width: 1440, height: 900 };
/** The third note of the article: far enough down that a jump to the notes list would scroll the page. */
const NOTE = 3;
const MARKER = `a[data-footnote-ref][href="#user-content-fn-${NOTE}"]`;
const POPOVER = '[role="dialog"]#note-preview';
type Point = { x: number; y: number };

let site: ServedSite;
let browser: TestBrowser;
before(async () => {
  [site, browser] = await Promise.all([startServedSite(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await site?.close();
});

// Browser-side code is passed as strings: tsx would wrap inner functions in a helper (__name) the page lacks.

/** The note's words as the notes list at the end of the article has them, its back-link left out. */
const NOTE_TEXT = `(() => {
  const li = document.getElementById('user-content-fn-${NOTE}').cloneNode(true);
  li.querySelectorAll('[data-footnote-backref]').forEach((a) => a.remove());
  return li.textContent.replace(/\\s+/g, ' ').trim();
})()`;

/** Where the popover is, whether it can be seen, what it says, and how wide the page has become. */
const POPOVER_STATE = `(() => {
  const box = document.getElementById('note-preview');
  const r = box ? box.getBoundingClientRect() : null;
  return {
    visible: !!box && box.checkVisibility(),
    text: box ? box.textContent.replace(/\\s+/g, ' ').trim() : '',
    rect: r ? { left: r.left, top: r.top, right: r.right, bottom: r.bottom } : null,
    pageWidth: document.documentElement.scrollWidth,
  };
})()`;

interface PopoverState {
  visible: boolean;
  text: string;
  rect: { left: number; top: number; right: number; bottom: number } | null;
  pageWidth: number;
}

async function withArticle(
  viewport: { width: number; height: number },
  story: (page: Page) => Promise<void>,
  from: TestBrowser = browser,
) {
  const page = await from.newPage(viewport);
  try {
    await page.goto(site.origin + ARTICLE);
    await page.locator(MARKER).first().scrollIntoViewIfNeeded();
    await story(page);
  } finally {
    await page.close();
  }
}

/** The middle of the element's box, in the window's coordinates. */
async function centre(page: Page, selector: string): Promise<Point> {
  const box = await page.locator(selector).first().boundingBox();
  assert.ok(box, `${selector} is on the page`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** A finger's tap (touch events through the DevTools protocol: a real tap, not a mouse click). */
async function tap(page: Page, point: Point): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** A point on the article's words a line above the marker, at the start of the line: nothing to follow there. */
async function wordsAboveMarker(page: Page): Promise<Point> {
  const marker = await page.locator(MARKER).first().boundingBox();
  const prose = await page.locator('article .prose').boundingBox();
  assert.ok(marker && prose);
  return { x: prose.x + 4, y: marker.y - 24 };
}

async function popoverState(page: Page): Promise<PopoverState> {
  return (await page.evaluate(POPOVER_STATE)) as PopoverState;
}

/** The note is shown, says what the notes list says, and lies wholly inside the window. */
async function assertNoteShownInside(page: Page, viewport: { width: number; height: number }) {
  await page.locator(POPOVER).waitFor({ state: 'visible' });
  const state = await popoverState(page);
  const expected = (await page.evaluate(NOTE_TEXT)) as string;
  assert.ok(state.text.includes(expected), `the popover shows the note: ${state.text}`);
  assert.ok(!state.text.includes('↩'), 'the back-link to the marker is left out of the popover');
  assert.ok(state.rect, 'the popover has a box');
  const { left, top, right, bottom } = state.rect;
  assert.ok(left >= 0 && top >= 0, `the popover starts inside the window (${left}, ${top})`);
  assert.ok(right <= viewport.width && bottom <= viewport.height, `it ends inside it (${right}, ${bottom})`);
  assert.ok(state.pageWidth <= viewport.width, `nothing overflows sideways (${state.pageWidth}px)`);
  assert.equal(await page.locator(MARKER).first().getAttribute('aria-expanded'), 'true');
}

const SIZES = [
  { label: 'on a 390×844 phone', viewport: PHONE, press: tap },
  { label: 'on a 1440×900 desktop', viewport: WIDE, press: (page: Page, at: Point) => page.mouse.click(at.x, at.y) },
] as const;

for (const { label, viewport, press } of SIZES) {
  describe(`a reader opens a note beside its marker ${label}`, () => {
    test('pressing a note marker shows the note in a popover inside the window, without scrolling the page', async () => {
      await withArticle(viewport, async (page) => {
        const scrolled = await page.evaluate('window.scrollY');
        await press(page, await centre(page, MARKER));
        await assertNoteShownInside(page, viewport);
        assert.equal(await page.evaluate('window.scrollY'), scrolled, 'the page stayed where it was');
        assert.equal(await page.evaluate('location.hash'), '', 'the address did not jump to the notes list');
      });
    });

    test('Escape closes the note and gives focus back to its marker', async () => {
      await withArticle(viewport, async (page) => {
        await press(page, await centre(page, MARKER));
        await page.locator(POPOVER).waitFor({ state: 'visible' });
        await page.keyboard.press('Escape');
        await page.locator(POPOVER).waitFor({ state: 'hidden' });
        assert.equal(await page.evaluate('document.activeElement.getAttribute("href")'), `#user-content-fn-${NOTE}`);
        assert.equal(await page.locator(MARKER).first().getAttribute('aria-expanded'), 'false');
      });
    });

    test('the close button closes the note, and a press elsewhere in the article does too', async () => {
      await withArticle(viewport, async (page) => {
        await press(page, await centre(page, MARKER));
        await page.getByRole('button', { name: 'Close note' }).click();
        await page.locator(POPOVER).waitFor({ state: 'hidden' });
        await press(page, await centre(page, MARKER));
        await page.locator(POPOVER).waitFor({ state: 'visible' });
        await press(page, await wordsAboveMarker(page));
        await page.locator(POPOVER).waitFor({ state: 'hidden' });
      });
    });
  });
}

describe('a keyboard reader opens a note', () => {
  for (const { label, viewport } of SIZES) {
    test(`Tab to a marker shows its note, and Enter takes focus into it ${label}`, async () => {
      await withArticle(viewport, async (page) => {
        // Focus the link just before the marker in the page's order, so that Tab is what reaches the marker.
        await page.evaluate(`(() => {
          const marker = document.querySelector('${MARKER}');
          const links = Array.from(document.querySelectorAll('a[href]'));
          links[links.indexOf(marker) - 1].focus({ preventScroll: true });
        })()`);
        const scrolled = await page.evaluate('window.scrollY');
        await page.keyboard.press('Tab');
        await assertNoteShownInside(page, viewport);
        await page.keyboard.press('Enter');
        assert.equal(await page.evaluate('document.activeElement.id'), 'note-preview', 'focus went into the note');
        assert.equal(await page.evaluate('location.hash'), '', 'Enter did not jump to the notes list');
        assert.equal(await page.evaluate('window.scrollY'), scrolled, 'the page stayed where it was');
        // Tab past the note's last control carries on from the marker, to what follows it in the article.
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate('document.activeElement.getAttribute("aria-label")'), 'Close note');
        await page.keyboard.press('Tab');
        // (If what follows is the next note's marker, its own note shows; this one's is closed.)
        assert.equal(await page.locator(MARKER).first().getAttribute('aria-expanded'), 'false', `note ${NOTE} closed`);
        const after = await page.evaluate(`(() => {
          const marker = document.querySelector('${MARKER}');
          return !!(marker.compareDocumentPosition(document.activeElement) & Node.DOCUMENT_POSITION_FOLLOWING)
            && !document.getElementById('note-preview').contains(document.activeElement);
        })()`);
        assert.equal(after, true, 'focus moved on to the next thing after the marker');
      });
    });
  }
});

/** A desktop window too narrow for the sidebar beside the article (below 62rem): no margin to set notes in. */
const NARROW_DESKTOP = { width: 900, height: 900 };

describe('a mouse reader rests the pointer on a marker', () => {
  test('in a window without a margin, the note shows after a moment and goes when the pointer moves away', async () => {
    await withArticle(NARROW_DESKTOP, async (page) => {
      await page.locator(MARKER).first().hover();
      await assertNoteShownInside(page, NARROW_DESKTOP);
      assert.notEqual(await page.evaluate('document.activeElement.id'), 'note-preview', 'hovering keeps focus put');
      await page.mouse.move(5, 5);
      await page.locator(POPOVER).waitFor({ state: 'hidden' });
    });
  });
});

/** The sidenote copying the note, where it stands, and where the article's column ends. */
const SIDENOTE = `(() => {
  const side = Array.from(document.querySelectorAll('.sidenote'))
    .find((s) => s.querySelector('.sidenote__number').textContent.trim() === '${NOTE}');
  if (!side || !side.checkVisibility()) return null;
  const r = side.getBoundingClientRect();
  return {
    text: side.textContent.replace(/\\s+/g, ' ').trim(),
    top: r.top, left: r.left, right: r.right,
    markerTop: document.querySelector('${MARKER}').getBoundingClientRect().top,
    columnRight: document.querySelector('article .prose').getBoundingClientRect().right,
    lit: side.classList.contains('sidenote--lit'),
    hiddenFromReaders: !!side.closest('[aria-hidden="true"]'),
  };
})()`;

interface SidenoteState {
  text: string;
  top: number;
  left: number;
  right: number;
  markerTop: number;
  columnRight: number;
  lit: boolean;
  hiddenFromReaders: boolean;
}

describe('sidenotes', () => {
  test('on a 1440×900 desktop the note stands in the margin level with its marker, lit by a resting pointer', async () => {
    await withArticle(WIDE, async (page) => {
      const side = (await page.evaluate(SIDENOTE)) as SidenoteState | null;
      assert.ok(side, 'the note is set in the margin');
      const expected = (await page.evaluate(NOTE_TEXT)) as string;
      assert.ok(side.text.endsWith(expected), `the sidenote is the note: ${side.text}`);
      assert.ok(side.left >= side.columnRight, 'it stands beside the text, not over it');
      assert.ok(side.right <= WIDE.width, 'and inside the window');
      assert.ok(Math.abs(side.top - side.markerTop) < 40, `level with its marker (${side.top} by ${side.markerTop})`);
      assert.ok(side.hiddenFromReaders, 'screen readers meet the note once, in the popover and the notes list');
      await page.locator(MARKER).first().hover();
      await page.waitForFunction(`${SIDENOTE}?.lit === true`);
      assert.equal(await page.locator(POPOVER).isVisible(), false, 'the pointer lights the sidenote up instead');
    });
  });

  test('on a 390×844 phone no note is set beside the text', async () => {
    await withArticle(PHONE, async (page) => {
      assert.equal(await page.evaluate(SIDENOTE), null);
    });
  });
});

describe('without JavaScript', () => {
  let plain: TestBrowser;
  before(async () => {
    plain = await launchBrowser({ javaScriptEnabled: false });
  });
  after(async () => {
    await plain?.close();
  });

  for (const { label, viewport } of SIZES) {
    test(`a note marker still jumps to its note in the notes list ${label}`, async () => {
      await withArticle(
        viewport,
        async (page) => {
          await page.locator(MARKER).first().click();
          await page.waitForURL(`**${ARTICLE}#user-content-fn-${NOTE}`);
          assert.equal(await page.locator('#note-preview').count(), 0, 'no popover without the island');
          const note = await page.locator(`#user-content-fn-${NOTE}`).boundingBox();
          assert.ok(note && note.y >= 0 && note.y < viewport.height, `the note is in view (${note?.y})`);
        },
        plain,
      );
    });
  }
});

describe('with a note open', () => {
  let axeBrowser: TestBrowser;
  before(async () => {
    // The site's CSP forbids inline script, so this browser bypasses it to inject axe.
    axeBrowser = await launchBrowser({ bypassCSP: true });
  });
  after(async () => {
    await axeBrowser?.close();
  });

  const SWEEPS = [
    { label: 'on a phone in light mode', viewport: PHONE, colorScheme: 'light' },
    { label: 'on a phone in dark mode', viewport: PHONE, colorScheme: 'dark' },
    { label: 'on a 1440×900 desktop, beside the sidenotes', viewport: WIDE, colorScheme: 'light' },
  ] as const;
  for (const { label, viewport, colorScheme } of SWEEPS) {
    test(`the article has no axe violations ${label}`, async () => {
      await withArticle(
        viewport,
        async (page) => {
          await page.emulateMedia({ colorScheme });
          await page.locator(MARKER).first().click();
          await page.locator(POPOVER).waitFor({ state: 'visible' });
          const violations = await axeViolations(page);
          assert.equal(violations.length, 0, describeViolations(`${ARTICLE} with note ${NOTE} open`, violations));
        },
        axeBrowser,
      );
    });
  }
});
