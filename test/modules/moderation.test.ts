import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addBan, findMatchingBans, listBans, removeBan } from '../../src/modules/moderation/bans.repository.ts';
import {
  DEFAULT_MODERATION,
  type ModerationContext,
  type ModerationReasonCode,
  type Phase,
  type Verdict,
} from '../../src/modules/moderation/moderation.types.ts';
import { getModerationSettings, saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import {
  bannedAuthor,
  commentFlood,
  commentLength,
  commentsClosed,
  duplicateComment,
  findProfanity,
  firstComment,
  formTooFast,
  honeypotFilled,
  identityNotConfirmed,
  moderationWords,
  PHASES,
  profanity,
  spamClassifier,
  tooManyLinks,
} from '../../src/modules/moderation/phases.ts';
import { previewWarnings, runPipeline } from '../../src/modules/moderation/pipeline.ts';
import { spamProbability, tokenize, trainSpam, untrainSpam } from '../../src/modules/moderation/spam-classifier.ts';
import type { Db } from '../../src/storage/schema.ts';
import { startTestSite, type TestSite } from '../support/site.ts';

const NOW = new Date('2025-09-01T12:00:00.000Z');
const secondsAgo = (s: number): Date => new Date(NOW.getTime() - s * 1000);
const daysAgo = (d: number): string => new Date(NOW.getTime() - d * 24 * 60 * 60 * 1000).toISOString();

type ContextOverrides = {
  [K in keyof ModerationContext]?: ModerationContext[K] extends Date | unknown[] | number | null
    ? ModerationContext[K]
    : Partial<ModerationContext[K]>;
};

/** A comment every phase lets through (a regular reader on an open article), with the given parts replaced. */
function buildContext(overrides: ContextOverrides = {}): ModerationContext {
  return {
    now: overrides.now ?? NOW,
    settings: { ...DEFAULT_MODERATION, ...overrides.settings },
    post: { commentsOpen: true, publishedAt: daysAgo(3), ...overrides.post },
    comment: {
      authorName: 'Margaret Hale',
      authorEmail: 'margaret@example.org',
      authorUrl: null,
      body: 'Zhukov’s report of 20 August is in the Russian archive, *fond* 32.',
      text: 'Zhukov’s report of 20 August is in the Russian archive, fond 32.',
      links: [],
      ip: '203.0.113.7',
      honeypot: '',
      formIssuedAt: secondsAgo(120),
      signedIn: false,
      identityProven: true,
      ...overrides.comment,
    },
    history: {
      lastFromIp: null,
      lastFromEmail: null,
      duplicate: false,
      approvedFromEmail: 3,
      nameOfAnother: false,
      ...overrides.history,
    },
    bans: overrides.bans ?? [],
    spamProbability: overrides.spamProbability === undefined ? 0.1 : overrides.spamProbability,
  };
}

/** Shorthand for a context whose comment says `text` (as both the Markdown and the words). */
const saying = (text: string, overrides: ContextOverrides = {}): ModerationContext =>
  buildContext({ ...overrides, comment: { body: text, text, ...overrides.comment } });

function assertVerdict(verdict: Verdict | undefined, action: Verdict['action'], code: ModerationReasonCode): Verdict {
  assert.ok(verdict, `expected ${action} ${code}, got nothing`);
  assert.equal(verdict.action, action);
  assert.equal(verdict.code, code);
  assert.match(verdict.message, /^[A-Z].*[.]$/, 'one sentence, starting with a capital and ending with a full stop');
  return verdict;
}

describe('moderation phases', () => {
  test('an ordinary comment on an open article passes every phase', () => {
    for (const phase of PHASES) assert.equal(phase.run(buildContext()), undefined, phase.name);
  });

  test('a comment on an article with comments switched off is rejected COMMENTS_CLOSED', () => {
    const v = assertVerdict(
      commentsClosed(buildContext({ post: { commentsOpen: false } })),
      'reject',
      'COMMENTS_CLOSED',
    );
    assert.match(v.message, /closed/);
  });

  test('comments close closeAfterDays after publication, and never when closeAfterDays is 0', () => {
    const old = { post: { publishedAt: daysAgo(31) } };
    assertVerdict(
      commentsClosed(buildContext({ ...old, settings: { closeAfterDays: 30 } })),
      'reject',
      'COMMENTS_CLOSED',
    );
    assert.equal(
      commentsClosed(buildContext({ post: { publishedAt: daysAgo(29) }, settings: { closeAfterDays: 30 } })),
      undefined,
    );
    assert.equal(
      commentsClosed(buildContext({ post: { publishedAt: daysAgo(3000) }, settings: { closeAfterDays: 0 } })),
      undefined,
    );
  });

  test('a comment with fewer words than minLength is rejected TOO_SHORT, telling the writer the minimum', () => {
    const v = assertVerdict(commentLength(saying('k', { settings: { minLength: 2 } })), 'reject', 'TOO_SHORT');
    assert.match(v.message, /at least 2 characters/);
    // Markup alone is not words.
    assertVerdict(commentLength(buildContext({ comment: { body: '**   **', text: '   ' } })), 'reject', 'TOO_SHORT');
    assert.equal(commentLength(saying('ok', { settings: { minLength: 2 } })), undefined);
  });

  test('a comment longer than maxLength is rejected TOO_LONG, telling the writer the limit', () => {
    const v = assertVerdict(
      commentLength(saying('a'.repeat(101), { settings: { maxLength: 100 } })),
      'reject',
      'TOO_LONG',
    );
    assert.match(v.message, /101 characters long: please shorten it to 100 characters or fewer/);
    assert.equal(commentLength(saying('a'.repeat(100), { settings: { maxLength: 100 } })), undefined);
  });

  test('a name longer than maxNameLength is rejected TOO_LONG', () => {
    const v = commentLength(buildContext({ comment: { authorName: 'N'.repeat(81) }, settings: { maxNameLength: 80 } }));
    assert.match(assertVerdict(v, 'reject', 'TOO_LONG').message, /^Your name is 81 characters long/);
    assert.equal(commentLength(buildContext({ comment: { authorName: 'N'.repeat(80) } })), undefined);
  });

  test('the same comment sent again is rejected DUPLICATE', () => {
    assertVerdict(duplicateComment(buildContext({ history: { duplicate: true } })), 'reject', 'DUPLICATE');
    assert.equal(duplicateComment(buildContext({ history: { duplicate: false } })), undefined);
  });

  test('a comment soon after the last one from the same IP or email is rejected FLOOD, saying how long to wait', () => {
    const fromIp = commentFlood(
      buildContext({ history: { lastFromIp: secondsAgo(5) }, settings: { floodSeconds: 15 } }),
    );
    assert.match(assertVerdict(fromIp, 'reject', 'FLOOD').message, /wait 10 seconds/);
    const fromEmail = commentFlood(
      buildContext({ history: { lastFromEmail: secondsAgo(14.5) }, settings: { floodSeconds: 15 } }),
    );
    assert.match(assertVerdict(fromEmail, 'reject', 'FLOOD').message, /wait 1 second /);
  });

  test('a comment long enough after the last one, or the first ever, is no flood', () => {
    const ctx = buildContext({
      history: { lastFromIp: secondsAgo(16), lastFromEmail: secondsAgo(60) },
      settings: { floodSeconds: 15 },
    });
    assert.equal(commentFlood(ctx), undefined);
    assert.equal(commentFlood(buildContext()), undefined);
  });

  test('a filled-in honeypot field is spam HONEYPOT', () => {
    assertVerdict(honeypotFilled(buildContext({ comment: { honeypot: 'http://cheap.example' } })), 'spam', 'HONEYPOT');
    assert.equal(honeypotFilled(buildContext({ comment: { honeypot: '' } })), undefined);
  });

  test('a form sent back faster than minFormSeconds is spam TOO_FAST, unless signed in', () => {
    const fast = { comment: { formIssuedAt: secondsAgo(1) }, settings: { minFormSeconds: 3 } };
    assertVerdict(formTooFast(buildContext(fast)), 'spam', 'TOO_FAST');
    assert.equal(
      formTooFast(buildContext({ ...fast, comment: { formIssuedAt: secondsAgo(1), signedIn: true } })),
      undefined,
    );
    assert.equal(formTooFast(buildContext({ comment: { formIssuedAt: secondsAgo(4) } })), undefined);
  });

  test('a comment with no form issue time (no form token came with it) is spam TOO_FAST, as one sent back at once', () => {
    const v = assertVerdict(formTooFast(buildContext({ comment: { formIssuedAt: null } })), 'spam', 'TOO_FAST');
    assert.match(v.message, /without the form token/);
    assert.equal(formTooFast(buildContext({ comment: { formIssuedAt: null, signedIn: true } })), undefined);
    assert.equal(
      formTooFast(buildContext({ comment: { formIssuedAt: null }, settings: { minFormSeconds: 0 } })),
      undefined,
      'a site that turned the too-fast check off checks neither',
    );
  });

  test('each kind of ban is spam with its own code', () => {
    const cases: [ModerationContext['bans'][number]['kind'], ModerationReasonCode][] = [
      ['email', 'BANNED_EMAIL'],
      ['ip', 'BANNED_IP'],
      ['domain', 'BANNED_DOMAIN'],
      ['word', 'BANNED_WORD'],
    ];
    for (const [kind, code] of cases) {
      assertVerdict(bannedAuthor(buildContext({ bans: [{ kind, value: 'x' }] })), 'spam', code);
    }
    assert.equal(bannedAuthor(buildContext({ bans: [] })), undefined);
  });

  test('an email ban is named before a word ban when both match', () => {
    const v = bannedAuthor(
      buildContext({
        bans: [
          { kind: 'word', value: 'casino' },
          { kind: 'email', value: 'spam@example.com' },
        ],
      }),
    );
    assertVerdict(v, 'spam', 'BANNED_EMAIL');
  });

  test('more links than maxLinks hold the comment TOO_MANY_LINKS', () => {
    const links = ['https://a.example/', 'https://b.example/', 'https://c.example/'];
    const v = tooManyLinks(buildContext({ comment: { links }, settings: { maxLinks: 2 } }));
    assert.match(assertVerdict(v, 'hold', 'TOO_MANY_LINKS').message, /3 links/);
    assert.equal(
      tooManyLinks(buildContext({ comment: { links: links.slice(0, 2) }, settings: { maxLinks: 2 } })),
      undefined,
    );
  });

  test('a moderation word or phrase, whole and in any case, holds the comment MODERATION_WORD naming it', () => {
    const settings = { moderationWords: ['gin', 'bloody hell'] };
    const word = moderationWords(saying('Hogarth drew Gin Lane in 1751.', { settings }));
    assert.match(assertVerdict(word, 'hold', 'MODERATION_WORD').message, /"gin"/);
    const phrase = moderationWords(saying('Bloody   hell, said the sergeant.', { settings }));
    assert.match(assertVerdict(phrase, 'hold', 'MODERATION_WORD').message, /"bloody hell"/);
    assert.equal(moderationWords(saying('The campaign begins with the original plan.', { settings })), undefined);
  });

  const HISTORIANS_WORDS = [
    'Dick Turpin was hanged at York in 1739.',
    'Take the chronicler cum grano salis.',
    'Scunthorpe grew with its steelworks.',
    'The East Saxons gave Essex its name.',
    'A cocktail of rumours reached Whitehall.',
    'Shitamachi, the low city of Edo, burned again in 1923.',
    'The assassin was never caught.',
    'John Hancock signed first and largest.',
    'Gherman Titov orbited the Earth seventeen times.',
    'Pissarro painted the boulevards from hotel windows.',
    'The Fukuzawa and Fukushima archives disagree; Du Fu saw the rebellion.',
    'The Shiite clergy opposed the tobacco concession.',
    'General Hooker lost at Chancellorsville, and William the Bastard won at Hastings.',
    "Offa's Dyke and the Annals of Ulster; a chink in the armour of the Assyrians.",
    'The Rape of Nanking began in December 1937.',
    "The Peace of Åbo ended the Hats' War in 1743.",
  ];
  for (const text of HISTORIANS_WORDS) {
    test(`history writing is not profanity: "${text}"`, () => {
      assert.equal(profanity(saying(text)), undefined, `found ${findProfanity(text).join(', ')}`);
    });
  }

  const ABUSE = [
    'Bullshit! Pure shite!',
    'Bullshit!',
    'sh!t',
    'fuck off',
    'you are a stupid cunt',
    'Piss off, you wanker.',
    'What a dickhead.',
  ];
  for (const text of ABUSE) {
    test(`profanity and abuse are held PROFANITY for a person, never rejected: "${text}"`, () => {
      assertVerdict(profanity(saying(text)), 'hold', 'PROFANITY');
    });
  }

  test('profanity in the name is held too', () => {
    assertVerdict(profanity(buildContext({ comment: { authorName: 'Fuck Face' } })), 'hold', 'PROFANITY');
  });

  test("a stranger's first comment is held FIRST_COMMENT; signed-in writers and known emails are not", () => {
    assertVerdict(firstComment(buildContext({ history: { approvedFromEmail: 0 } })), 'hold', 'FIRST_COMMENT');
    assert.equal(
      firstComment(buildContext({ history: { approvedFromEmail: 0 }, comment: { signedIn: true } })),
      undefined,
    );
    assert.equal(firstComment(buildContext({ history: { approvedFromEmail: 1 } })), undefined);
    assert.equal(
      firstComment(buildContext({ history: { approvedFromEmail: 0 }, settings: { holdFirstComment: false } })),
      undefined,
    );
  });

  test('a name an approved commenter signs from another address is held IDENTITY_NOT_CONFIRMED, with its own reason', () => {
    const v = assertVerdict(
      identityNotConfirmed(buildContext({ history: { nameOfAnother: true } })),
      'hold',
      'IDENTITY_NOT_CONFIRMED',
    );
    assert.match(v.message, /This name belongs to an approved commenter/);
    assert.equal(
      identityNotConfirmed(buildContext({ history: { nameOfAnother: true }, comment: { signedIn: true } })),
      undefined,
      'signed in',
    );
  });

  test("an approved commenter's email from a browser that has not proved it is held IDENTITY_NOT_CONFIRMED", () => {
    const borrowed = { comment: { identityProven: false }, history: { approvedFromEmail: 1 } };
    const v = assertVerdict(identityNotConfirmed(buildContext(borrowed)), 'hold', 'IDENTITY_NOT_CONFIRMED');
    assert.match(v.message, /approved commenter/);
    assert.equal(identityNotConfirmed(buildContext({ history: { approvedFromEmail: 1 } })), undefined, 'proved');
    assert.equal(
      identityNotConfirmed(buildContext({ ...borrowed, comment: { identityProven: false, signedIn: true } })),
      undefined,
      'signed in',
    );
    assert.equal(
      identityNotConfirmed(buildContext({ comment: { identityProven: false }, history: { approvedFromEmail: 0 } })),
      undefined,
      'a new email is a first comment, not a borrowed identity',
    );
    assert.equal(
      identityNotConfirmed(buildContext({ ...borrowed, settings: { holdFirstComment: false } })),
      undefined,
      'a site that does not hold strangers does not hold this either',
    );
  });

  test('the classifier marks spam SPAM_CLASSIFIER from 0.9, holds from 0.6, and says nothing below or untrained', () => {
    assertVerdict(spamClassifier(buildContext({ spamProbability: 0.95 })), 'spam', 'SPAM_CLASSIFIER');
    assertVerdict(spamClassifier(buildContext({ spamProbability: 0.9 })), 'spam', 'SPAM_CLASSIFIER');
    assertVerdict(spamClassifier(buildContext({ spamProbability: 0.7 })), 'hold', 'SPAM_CLASSIFIER');
    assert.equal(spamClassifier(buildContext({ spamProbability: 0.59 })), undefined);
    assert.equal(spamClassifier(buildContext({ spamProbability: null })), undefined);
  });
});

describe('moderation pipeline', () => {
  test('a comment nothing objects to is approved with no reasons', () => {
    assert.deepEqual(runPipeline(buildContext()), { status: 'approved', reasons: [] });
  });

  test('phases run in order: every rejection, then spam, then holds', () => {
    const names = PHASES.map((p) => p.name);
    const index = (name: string) => names.indexOf(name);
    const rejections = ['commentsClosed', 'commentLength', 'duplicateComment', 'commentFlood'];
    const spam = ['honeypotFilled', 'formTooFast', 'bannedAuthor', 'spamClassifier'];
    const holds = ['tooManyLinks', 'moderationWords', 'profanity', 'firstComment', 'identityNotConfirmed'];
    assert.deepEqual(names, [...rejections, ...spam, ...holds]);
    assert.ok(Math.max(...rejections.map(index)) < Math.min(...spam.map(index)));
  });

  test('a closed article with a banned email is rejected COMMENTS_CLOSED, not filed as spam', () => {
    const outcome = runPipeline(
      buildContext({ post: { commentsOpen: false }, bans: [{ kind: 'email', value: 'margaret@example.org' }] }),
    );
    assert.equal(outcome.status, 'rejected');
    assert.deepEqual(
      outcome.reasons.map((r) => [r.phase, r.code]),
      [['commentsClosed', 'COMMENTS_CLOSED']],
    );
  });

  test('spam stops the run: a honeypot comment is spam, and the holds after it are not reached', () => {
    const outcome = runPipeline(buildContext({ comment: { honeypot: 'x' }, history: { approvedFromEmail: 0 } }));
    assert.equal(outcome.status, 'spam');
    assert.deepEqual(
      outcome.reasons.map((r) => r.code),
      ['HONEYPOT'],
    );
  });

  test('several holds accumulate, all kept in phase order', () => {
    const outcome = runPipeline(
      saying('Bullshit! The Gin Act was repealed; see https://a.example and https://b.example and https://c.example', {
        comment: { links: ['https://a.example', 'https://b.example', 'https://c.example'] },
        settings: { moderationWords: ['gin'] },
        history: { approvedFromEmail: 0 },
        spamProbability: 0.7,
      }),
    );
    assert.equal(outcome.status, 'held');
    assert.deepEqual(
      outcome.reasons.map((r) => r.code),
      ['SPAM_CLASSIFIER', 'TOO_MANY_LINKS', 'MODERATION_WORD', 'PROFANITY', 'FIRST_COMMENT'],
    );
    assert.ok(outcome.reasons.every((r) => r.action === 'hold' && r.phase !== ''));
  });

  test('a known name and email with a link, from an unproven browser, is held with the identity reason alone', () => {
    const outcome = runPipeline(
      saying('Read my new piece at https://elsewhere.example/markova', {
        comment: { authorName: 'Elena Markova', links: ['https://elsewhere.example/markova'], identityProven: false },
        history: { approvedFromEmail: 1 },
      }),
    );
    assert.equal(outcome.status, 'held');
    assert.deepEqual(
      outcome.reasons.map((r) => [r.phase, r.code]),
      [['identityNotConfirmed', 'IDENTITY_NOT_CONFIRMED']],
    );
  });

  test('an approve verdict ends the run as approved, unless something already held the comment', () => {
    const approve: Phase = () => ({ action: 'approve', code: 'REPORTED', message: 'Trusted.' });
    const phases = [
      { name: 'trusted', run: approve },
      { name: 'honeypotFilled', run: honeypotFilled },
    ];
    const trapped = buildContext({ comment: { honeypot: 'x' } });
    assert.equal(runPipeline(trapped, phases).status, 'approved');
    const held = runPipeline(buildContext({ history: { approvedFromEmail: 0 } }), [
      { name: 'firstComment', run: firstComment },
      ...phases,
    ]);
    assert.equal(held.status, 'held');
    assert.deepEqual(
      held.reasons.map((r) => r.code),
      ['FIRST_COMMENT'],
    );
  });
});

describe('warnings before posting', () => {
  test('tell the writer about holds and rejections but never about spam traps or bans', () => {
    const ctx = buildContext({
      comment: { honeypot: 'x', formIssuedAt: secondsAgo(0.5), links: ['a', 'b', 'c'] },
      bans: [
        { kind: 'email', value: 'margaret@example.org' },
        { kind: 'ip', value: '203.0.113.7' },
        { kind: 'domain', value: 'example.org' },
        { kind: 'word', value: 'archive' },
      ],
      history: { approvedFromEmail: 0 },
      spamProbability: 0.95,
    });
    assert.deepEqual(
      previewWarnings(ctx).map((v) => v.code),
      ['TOO_MANY_LINKS', 'FIRST_COMMENT'],
    );
  });

  test('include a rejection the writer can still fix, alongside the holds', () => {
    const ctx = saying('k', { history: { approvedFromEmail: 0 } });
    assert.deepEqual(
      previewWarnings(ctx).map((v) => [v.action, v.code]),
      [
        ['reject', 'TOO_SHORT'],
        ['hold', 'FIRST_COMMENT'],
      ],
    );
  });
});

describe('on a real database', () => {
  let site: TestSite;
  let db: Db;
  before(async () => {
    site = await startTestSite({ demo: false });
    db = site.site.content.db;
  });
  after(async () => {
    await site.close();
  });

  describe('the spam classifier', () => {
    const SPAM = [
      'Buy cheap viagra online, best price, free shipping! https://pills.example/buy',
      'Casino bonus: win big money today, free spins, click https://casino.example/win',
      'Cheap loans fast, no credit check, best price guaranteed https://loans.example',
      'Best SEO services, buy backlinks cheap, rank first on Google https://seo.example/offer',
      'Free money! Win the casino jackpot, click here now https://casino.example/jackpot',
      'Buy replica watches cheap, best price, free shipping https://watches.example',
      'Earn money fast from home, click here, free bonus https://cash.example',
      'Cheap viagra and cialis, buy now, discount price https://pills.example/deal',
    ];
    const HAM = [
      'The siege lasted three weeks, and the garrison surrendered only when the wells ran dry.',
      'Zhukov’s memoirs were revised after 1956, so the first edition reads differently on Khalkhin Gol.',
      'The parish registers for 1665 show burials doubling in August, which fits the plague chronology.',
      'I think the treaty was signed in the spring, not the autumn; the archive copy is dated April.',
      'The regiment marched north along the river and crossed at the ford before the battle.',
      'Historians disagree about the king’s motives, but the letters suggest fear of rebellion.',
      'The chronicle was written decades later by a monk who relied on older annals.',
      'Thank you for the article; the map of the campaign makes the retreat much clearer.',
    ];

    test('has no opinion before it has learned at least five spam and five good comments', async () => {
      assert.equal(await spamProbability(db, SPAM[0]!), null);
      for (const text of SPAM.slice(0, 5)) await trainSpam(db, text, true);
      for (const text of HAM.slice(0, 4)) await trainSpam(db, text, false);
      assert.equal(await spamProbability(db, SPAM[0]!), null);
    });

    test('after learning from moderators, rates new spam high and a new historical comment low', async () => {
      for (const text of SPAM.slice(5)) await trainSpam(db, text, true);
      for (const text of HAM.slice(4)) await trainSpam(db, text, false);
      const spammy = await spamProbability(
        db,
        'Win free money at the casino, best price, click https://casino.example/new',
      );
      const historical = await spamProbability(
        db,
        'The garrison surrendered after the siege; the chronicle and the parish letters agree on the date.',
      );
      assert.ok(spammy !== null && spammy >= 0.9, `spammy text rated ${spammy}`);
      assert.ok(historical !== null && historical < 0.2, `historical text rated ${historical}`);
    });

    test('a single spammy word on its own cannot make a comment spam', async () => {
      const p = await spamProbability(db, 'viagra');
      assert.ok(p !== null && p < 0.9, `one token rated ${p}`);
    });

    test('forgets a text when a moderator changes their mind, never counting below zero', async () => {
      const text = 'Casino jackpot tonight only';
      await trainSpam(db, text, true);
      const before = await db.selectFrom('spam_tokens').selectAll().where('token', '=', 'tonight').executeTakeFirst();
      assert.deepEqual(before && [before.spam, before.ham], [1, 0]);
      await untrainSpam(db, text, true);
      await untrainSpam(db, text, true);
      const gone = await db.selectFrom('spam_tokens').selectAll().where('token', '=', 'tonight').executeTakeFirst();
      assert.equal(gone, undefined);
      const casino = await db.selectFrom('spam_tokens').selectAll().where('token', '=', 'casino').executeTakeFirst();
      assert.ok(casino && casino.spam >= 1 && casino.ham >= 0);
    });

    test('tokenizes into lower-cased words and link domains, each once', () => {
      assert.deepEqual(tokenize('Visit https://www.Shop.Example.com/a?b=c and SHOP, shop! a'), [
        'domain:shop.example.com',
        'visit',
        'and',
        'shop',
      ]);
      assert.ok(tokenize('word '.repeat(10) + Array.from({ length: 1000 }, (_, i) => `w${i}`).join(' ')).length <= 300);
    });
  });

  describe('bans', () => {
    const now = '2025-09-01T12:00:00.000Z';
    const probe = { email: 'someone@example.org', ip: '198.51.100.1', domains: [], text: 'An ordinary comment.' };

    test('match the email exactly and case-insensitively, and the IP exactly', async () => {
      await addBan(db, { kind: 'email', value: '  Spammer@Example.COM ', reason: 'spam', expiresAt: null, now });
      await addBan(db, { kind: 'ip', value: '192.0.2.66', reason: '', expiresAt: null, now });
      const byEmail = await findMatchingBans(db, { ...probe, email: 'SPAMMER@example.com' }, now);
      assert.deepEqual(
        byEmail.map((b) => [b.kind, b.value]),
        [['email', 'spammer@example.com']],
      );
      assert.equal((await findMatchingBans(db, { ...probe, email: 'spammer@example.co' }, now)).length, 0);
      const byIp = await findMatchingBans(db, { ...probe, ip: '192.0.2.66' }, now);
      assert.deepEqual(
        byIp.map((b) => b.kind),
        ['ip'],
      );
      assert.equal((await findMatchingBans(db, { ...probe, ip: '192.0.2.6' }, now)).length, 0);
    });

    test("match a banned domain in the email's domain or a link's, including subdomains but not lookalikes", async () => {
      await addBan(db, { kind: 'domain', value: 'Pills.Example', reason: '', expiresAt: null, now });
      const viaEmail = await findMatchingBans(db, { ...probe, email: 'x@mail.pills.example' }, now);
      assert.deepEqual(
        viaEmail.map((b) => b.value),
        ['pills.example'],
      );
      const viaLink = await findMatchingBans(db, { ...probe, domains: ['shop.PILLS.example'] }, now);
      assert.deepEqual(
        viaLink.map((b) => b.value),
        ['pills.example'],
      );
      assert.equal((await findMatchingBans(db, { ...probe, domains: ['cheappills.example'] }, now)).length, 0);
    });

    test('match a banned word only whole and in any case', async () => {
      await addBan(db, { kind: 'word', value: 'Casino', reason: '', expiresAt: null, now });
      const hit = await findMatchingBans(db, { ...probe, text: 'Best CASINO deals' }, now);
      assert.deepEqual(
        hit.map((b) => b.kind),
        ['word'],
      );
      assert.equal((await findMatchingBans(db, { ...probe, text: 'The casinos of Monte Carlo' }, now)).length, 0);
    });

    test('stop matching when they expire, and drop out of the list', async () => {
      const ban = await addBan(db, {
        kind: 'email',
        value: 'temp@example.net',
        reason: 'cooling off',
        expiresAt: '2025-09-02T12:00:00.000Z',
        now,
      });
      const match = { ...probe, email: 'temp@example.net' };
      assert.equal((await findMatchingBans(db, match, now)).length, 1);
      assert.equal((await findMatchingBans(db, match, '2025-09-02T12:00:00.000Z')).length, 0);
      assert.ok((await listBans(db, now)).some((b) => b.id === ban.id));
      assert.ok(!(await listBans(db, '2025-09-03T00:00:00.000Z')).some((b) => b.id === ban.id));
    });

    test('can be lifted', async () => {
      const ban = await addBan(db, { kind: 'ip', value: '192.0.2.99', reason: '', expiresAt: null, now });
      assert.equal(await removeBan(db, ban.id), true);
      assert.equal(await removeBan(db, ban.id), false);
      assert.equal((await findMatchingBans(db, { ...probe, ip: '192.0.2.99' }, now)).length, 0);
    });
  });

  describe('moderation settings', () => {
    test('are the defaults until changed, and keep unchanged values when some are saved', async () => {
      assert.deepEqual(await getModerationSettings({ db }), DEFAULT_MODERATION);
      let writes = 0;
      const deps = { db, noteWrite: () => writes++ };
      await saveModerationSettings(deps, { floodSeconds: 60, moderationWords: [' gin ', ''] });
      await saveModerationSettings(deps, { holdFirstComment: false });
      assert.equal(writes, 2);
      assert.deepEqual(await getModerationSettings({ db }), {
        ...DEFAULT_MODERATION,
        floodSeconds: 60,
        moderationWords: ['gin'],
        holdFirstComment: false,
      });
    });

    test('ignore stored values of the wrong type', async () => {
      const value = JSON.stringify({
        maxLinks: 'many',
        minLength: -1,
        moderationWords: [1],
        holdFirstComment: 'yes',
        maxLength: 500,
      });
      await db
        .insertInto('settings')
        .values({ key: 'moderation', value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
      assert.deepEqual(await getModerationSettings({ db }), { ...DEFAULT_MODERATION, maxLength: 500 });
    });
  });
});
