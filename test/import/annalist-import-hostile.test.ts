/**
 * `annalist import annalist` against files built to hurt the site that imports them, on the database of this
 * pass. The demo site is exported in process; each hostile file is built here from that document (or streamed,
 * when it is tens of megabytes) and imported into an empty site: it must be refused in one line naming the JSON
 * path, with nothing written and, for the large ones, without reading (or holding) the rest of the file. The
 * settings, menus and widgets go through the administration's own checks; a long thread of replies imports with
 * its @name links as the comment form makes them; --dry-run and --report work as for the other imports.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openSite, type Site } from '../../src/main.ts';
import { MEDIA_DATA_MAX } from '../../src/modules/export/export-schema.ts';
import { writeJsonExport } from '../../src/modules/export/json-export.ts';
import { type AnnalistImportReport, importAnnalistExport } from '../../src/modules/import/annalist-import.service.ts';
import { getModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { getSiteWords } from '../../src/modules/preflight/site-words.ts';
import { getSiteSettings } from '../../src/modules/settings/settings.service.ts';
import { isAppError } from '../../src/modules/shared/errors.ts';
import { loadMenus } from '../../src/modules/site/menus.service.ts';
import { TABLES_IN_DEPENDENCY_ORDER } from '../../src/storage/tables.ts';
import { buildApp } from '../../src/web/app.ts';
import { runAnnalist } from '../support/process.ts';
import { newTestDatabase, startTestSite, TEST_BASE_URL, TEST_DATABASE, type TestSite } from '../support/site.ts';

const root = mkdtempSync(join(tmpdir(), 'annalist-json-hostile-'));
const cleanups: (() => Promise<void>)[] = [];
type Doc = Record<string, unknown> & Record<string, Record<string, unknown>[]>;
let exported = '';
let source: TestSite;

/** A fresh, empty site, open in this process. */
async function emptySite(): Promise<{ site: Site; dir: string; env: Record<string, string> }> {
  const database = await newTestDatabase();
  const dir = mkdtempSync(join(root, 'site-'));
  const site = await openSite(dir, { databaseUrl: database.databaseUrl });
  cleanups.push(async () => {
    await site.storage.close();
    await database.drop();
  });
  return { site, dir, env: database.env };
}

/** The text in chunks of 64 KB, as a file is read, counting the characters taken from it. */
function streamOf(parts: () => Iterable<string>, read = { chars: 0 }): () => AsyncIterable<string> {
  return async function* () {
    read.chars = 0;
    for (const part of parts())
      for (let i = 0; i < part.length; i += 65_536) {
        const chunk = part.slice(i, i + 65_536);
        read.chars += chunk.length;
        yield chunk;
      }
  };
}

function importInto(site: Site, open: () => AsyncIterable<string>, dryRun = false): Promise<AnnalistImportReport> {
  return importAnnalistExport(
    {
      db: site.storage.db,
      capabilities: site.storage.capabilities,
      search: site.storage.search,
      noteWrite: site.content.noteWrite,
    },
    { open, dryRun },
  );
}

/** Rows in every table but settings, and the site's own settings rows (a fresh site holds its signing key). */
async function rowsIn(site: Site): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES_IN_DEPENDENCY_ORDER) {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} ${
      table === 'settings' ? sql`where key not like 'secret.%'` : sql``
    }`.execute(site.storage.db);
    if (Number(rows[0]?.n) > 0) counts[table] = Number(rows[0]?.n);
  }
  return counts;
}

/** The demo document with `edit` applied. */
function edited(edit: (d: Doc) => void): Doc {
  const d = JSON.parse(exported) as Doc;
  edit(d);
  return d;
}

/** `text` split where `marker` (a JSON string) stands, with `middle()` streamed in its place. */
function around(d: Doc, marker: string, middle: () => Iterable<string>): () => Iterable<string> {
  const text = JSON.stringify(d);
  const at = text.indexOf(JSON.stringify(marker));
  assert.ok(at > 0, `${marker} is in the document`);
  return function* () {
    yield text.slice(0, at);
    yield* middle();
    yield text.slice(at + JSON.stringify(marker).length);
  };
}

/** `piece` written `times` times, in chunks. */
function* repeated(open: string, piece: string, times: number, close: string): Iterable<string> {
  yield open;
  const perChunk = Math.max(1, Math.floor(65_536 / piece.length));
  for (let done = 0; done < times; done += perChunk) yield piece.repeat(Math.min(perChunk, times - done));
  yield close;
}

let target: Site;

after(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
  await source?.close();
  rmSync(root, { recursive: true, force: true });
});

before(async () => {
  source = await startTestSite();
  // A backup schedule names a folder of this server: it must not travel.
  await source.site.storage.db
    .insertInto('settings')
    .values({
      key: 'backup.schedule',
      value: JSON.stringify({
        frequency: 'daily',
        weekday: 'sunday',
        time: '03:00',
        keep: 7,
        folder: '/srv/old-backups',
      }),
    })
    .execute();
  const parts: string[] = [];
  await writeJsonExport(
    {
      db: source.site.storage.db,
      annalistVersion: 'test',
      exportedAt: new Date().toISOString(),
      baseUrl: TEST_BASE_URL,
      includeMediaBytes: false,
    },
    {
      async write(text) {
        parts.push(text);
      },
    },
  );
  exported = parts.join('');
  target = (await emptySite()).site;
});

/** Imports the document (or a stream); it must be refused with `code`, naming `where`, and write nothing. */
async function refused(
  input: Doc | (() => AsyncIterable<string>),
  where: RegExp,
  code = 'IMPORT_JSON_INVALID',
): Promise<void> {
  const text = typeof input === 'function' ? undefined : JSON.stringify(input);
  const open = typeof input === 'function' ? input : streamOf(() => [text as string]);
  await assert.rejects(importInto(target, open), (err: unknown) => {
    assert.ok(isAppError(err), String(err));
    assert.equal(err.code, code, err.publicMessage);
    assert.match(err.publicMessage, where);
    assert.ok(!err.publicMessage.includes('\n'), 'one line');
    return true;
  });
  assert.deepEqual(await rowsIn(target), {}, 'nothing was written');
}

const textWidget = (d: Doc) => (d.widgets ?? []).findIndex((w) => w.type === 'text');

describe(`annalist import annalist: settings, menus and widgets pass the administration's checks (${TEST_DATABASE})`, () => {
  test('a time zone Intl does not know is refused, naming $.site.time_zone', async () => {
    await refused(
      edited((d) => {
        (d.site as unknown as Record<string, unknown>).time_zone = 'Mars/Olympus_Mons';
      }),
      /^\$\.site\.time_zone: Choose a time zone from the list/,
    );
  });

  test('a language tag no browser reads and a page size the settings page refuses are refused', async () => {
    await refused(
      edited((d) => {
        (d.site as unknown as Record<string, unknown>).language = 'not a language!';
      }),
      /^\$\.site\.language: Give a language tag/,
    );
    await refused(
      edited((d) => {
        (d.site as unknown as Record<string, unknown>).posts_per_page = 500;
      }),
      /^\$\.site\.posts_per_page: /,
    );
  });

  test('a text widget nested deeper than the Markdown parser takes is refused before any page renders it', async () => {
    let i = 0;
    const d = edited((doc) => {
      i = textWidget(doc);
      (doc.widgets?.[i]?.config as Record<string, unknown>).markdown = `${'>'.repeat(100)} deep`;
    });
    await refused(d, new RegExp(`^\\$\\.widgets\\[${i}\\]\\.config\\.markdown: The text nests .* more than 32 levels`));
  });

  test('a text widget longer than the widget form takes (40 KB of brackets) is refused', async () => {
    let i = 0;
    const d = edited((doc) => {
      i = textWidget(doc);
      (doc.widgets?.[i]?.config as Record<string, unknown>).markdown = `${'['.repeat(20_000)}x${']'.repeat(20_000)}`;
    });
    await refused(d, new RegExp(`^\\$\\.widgets\\[${i}\\]\\.config\\.markdown: Keep the text to 4000 characters`));
  });

  test('a widget setting its type does not have, and more widgets in one area than the form allows, are refused', async () => {
    await refused(
      edited((d) => {
        (d.widgets?.[0] as Record<string, unknown>).config = { script: 'alert(1)' };
      }),
      /^\$\.widgets\[0\]\.config\.script: not a setting of a \S+ widget/,
    );
    await refused(
      edited((d) => {
        d.widgets = Array.from({ length: 21 }, (_, n) => ({
          id: n + 1,
          area: 'sidebar',
          type: 'search',
          title: `Search ${n}`,
          config: {},
          position: n,
        }));
      }),
      /^\$\.widgets\[20\]: the sidebar area holds at most 20 widgets/,
    );
  });

  test('a menu link to javascript: is refused as the menu form refuses it', async () => {
    await refused(
      edited((d) => {
        d.menus = [{ id: 1, menu: 'primary', label: 'Home', url: 'javascript:alert(1)', position: 0 }];
      }),
      /^\$\.menus\[0\]\.url: Give a path on this site/,
    );
  });

  test('other settings: an unknown key, discussion settings out of range and a word list with a phrase are refused', async () => {
    const withSettings = (other: Record<string, unknown>) =>
      edited((d) => {
        (d.site as unknown as Record<string, unknown>).other_settings = other;
      });
    await refused(
      withSettings({ 'theme.colour': 'red' }),
      /^\$\.site\.other_settings\["theme\.colour"\]: not a setting/,
    );
    await refused(
      withSettings({ moderation: { maxLength: 1_000_000_000 } }),
      /^\$\.site\.other_settings\.moderation\.maxLength: Enter a whole number from 100 to 50,000/,
    );
    await refused(withSettings({ moderation: 'garbage' }), /^\$\.site\.other_settings\.moderation: /);
    await refused(
      withSettings({ preflight_words: ['Khalkhin-Gol', 'two words'] }),
      /^\$\.site\.other_settings\.preflight_words: .*"two words" is not a single word/,
    );
  });
});

describe(`annalist import annalist: memory stays bounded whatever the file (${TEST_DATABASE})`, () => {
  const header = (d: Doc) => {
    const keys = ['format', 'version', 'exported_at', 'annalist_version', 'includes_media_bytes', 'site'];
    return `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(d[k])}`).join(',')}`;
  };

  test('an unknown top-level key is refused before its 30 MB value is read', async () => {
    const d = JSON.parse(exported) as Doc;
    const read = { chars: 0 };
    const open = streamOf(() => [header(d), ...repeated(',"junk":[0', ',0', 15_000_000, ']}')], read);
    await refused(open, /^\$\.junk: not part of an Annalist export/);
    assert.ok(read.chars < 1_000_000, `read ${read.chars} characters of 30 MB`);
  });

  test('a list where a text belongs (an author bio of eight million []) is refused at its first bracket', async () => {
    const d = edited((doc) => {
      (doc.authors?.[0] as Record<string, unknown>).bio = '@@bio@@';
    });
    const read = { chars: 0 };
    await refused(
      streamOf(
        around(d, '@@bio@@', () => repeated('[[]', ',[]', 8_000_000, ']')),
        read,
      ),
      /^\$\.authors\[0\]\.bio: expected string/,
    );
    assert.ok(read.chars < 1_000_000, `read ${read.chars} characters of 24 MB`);
  });

  test('a text longer than its schema allows is cut off at the limit, not read to its end', async () => {
    const d = edited((doc) => {
      (doc.authors?.[0] as Record<string, unknown>).bio = '@@bio@@';
    });
    const read = { chars: 0 };
    await refused(
      streamOf(
        around(d, '@@bio@@', () => repeated('"', 'B', 30_000_000, '"')),
        read,
      ),
      /^\$\.authors\[0\]\.bio: a text longer than 5,000 characters/,
    );
    assert.ok(read.chars < 1_000_000, `read ${read.chars} characters of 30 MB`);
  });

  test('an item with more values than any export holds is refused within its budget', async () => {
    const d = edited((doc) => {
      (doc.sources?.[0]?.csl as Record<string, unknown>).note = '@@csl@@';
    });
    const read = { chars: 0 };
    await refused(
      streamOf(
        around(d, '@@csl@@', () => repeated('[[]', ',[]', 8_000_000, ']')),
        read,
      ),
      /^\$\.sources\[0\]\.csl\.note\[\d+\]: more than 250,000 values in one item/,
    );
    assert.ok(read.chars < 2_000_000, `read ${read.chars} characters of 24 MB`);
  });

  test("a media file's bytes are refused past the upload limit", async () => {
    const d = edited((doc) => {
      (doc as Record<string, unknown>).includes_media_bytes = true;
      doc.media = [
        {
          id: 1,
          user_id: null,
          sha256: '0'.repeat(64),
          original_name: 'big.png',
          mime: 'image/png',
          width: 1600,
          height: 1000,
          alt: 'Big',
          caption: '',
          credit: '',
          created_at: '2025-01-01T00:00:00.000Z',
          files: [
            {
              name: '1-1600x1000-1600w.png',
              format: 'png',
              width: 1600,
              height: 1000,
              size: 100,
              sha256: '0'.repeat(64),
              data: '@@data@@',
            },
          ],
        },
      ];
    });
    const read = { chars: 0 };
    await refused(
      streamOf(
        around(d, '@@data@@', () => repeated('"', 'AAAA', MEDIA_DATA_MAX / 4 + 1_000_000, '"')),
        read,
      ),
      /^\$\.media\[0\]\.files\[0\]\.data: a text longer than [\d,]+ characters/,
    );
    assert.ok(read.chars < MEDIA_DATA_MAX + 1_000_000, `read ${read.chars} characters`);
  });
});

describe(`annalist import annalist: slugs, times, lengths and ids are the site's own (${TEST_DATABASE})`, () => {
  test('a post slug that would make its old address redirect off the site is refused', async () => {
    await refused(
      edited((d) => {
        (d.posts?.[1] as Record<string, unknown>).slug = '/evil.example';
        d.redirects = [
          { type: 'post_slug', from: 'old-address', post_id: d.posts?.[1]?.id, at: '2025-01-01T00:00:00.000Z' },
        ];
      }),
      /^\$\.posts\[1\]\.slug: expected a slug/,
    );
    await refused(
      edited((d) => {
        (d.posts?.[1] as Record<string, unknown>).slug = 'admin';
      }),
      /^\$\.posts\[1\]\.slug: "admin" is an address the site itself uses/,
    );
  });

  test('times that are not UTC ISO 8601, or not real, are refused; a published post needs its time', async () => {
    await refused(
      edited((d) => {
        (d.posts?.[1] as Record<string, unknown>).published_at = 'yesterday';
      }),
      /^\$\.posts\[1\]\.published_at: expected a UTC time such as 2025-10-02T14:30:00\.000Z/,
    );
    await refused(
      edited((d) => {
        (d.comments?.[0] as Record<string, unknown>).created_at = '2025-02-30T10:00:00.000Z';
      }),
      /^\$\.comments\[0\]\.created_at: "2025-02-30T10:00:00\.000Z" is not a time that exists/,
    );
    await refused(
      edited((d) => {
        const post = d.posts?.find((p) => p.status === 'published') as Record<string, unknown>;
        post.published_at = null;
      }),
      /^\$\.posts\[\d+\]\.published_at: a published post needs the time it is published/,
    );
  });

  test('texts longer than their form allows are refused (an SEO title of 121 characters)', async () => {
    await refused(
      edited((d) => {
        (d.posts?.[1]?.seo as Record<string, unknown>).title = 'T'.repeat(121);
      }),
      /^\$\.posts\[1\]\.seo\.title: a text longer than 120 characters/,
    );
  });

  test('ids past 2^31 - 1 and positions out of range are refused on either database', async () => {
    await refused(
      edited((d) => {
        (d.tags?.[0] as Record<string, unknown>).id = 2 ** 31;
      }),
      /^\$\.tags\[0\]\.id: expected integer to be less or equal to 2147483647/,
    );
    await refused(
      edited((d) => {
        (d.categories?.[0] as Record<string, unknown>).position = 1e300;
      }),
      /^\$\.categories\[0\]\.position: expected integer to be less or equal to 2147483647/,
    );
  });

  test("a category whose path is not its parent's path and its slug is refused", async () => {
    let i = 0;
    await refused(
      edited((d) => {
        i = (d.categories ?? []).findIndex((c) => c.parent_id !== null);
        (d.categories?.[i] as Record<string, unknown>).path = 'not/the/parent/path';
      }),
      /^\$\.categories\[\d+\]\.path: a category's path is its parent's path, a slash and its slug/,
    );
    assert.ok(i >= 0);
  });

  test("a reply outside its parent's thread, and a commenter's website that runs script, are refused", async () => {
    await refused(
      edited((d) => {
        const reply = d.comments?.find((c) => c.parent_id !== null) as Record<string, unknown>;
        reply.thread_id = 999_999;
      }),
      /^\$\.comments\[\d+\]\.parent_id: a reply is in its parent's thread/,
    );
    await refused(
      edited((d) => {
        (d.comments?.[0] as Record<string, unknown>).author_url = 'javascript:alert(1)';
      }),
      /^\$\.comments\[0\]\.author_url: a commenter's website is an http:\/\/ or https:\/\/ address/,
    );
  });
});

describe(`annalist import annalist: what imports, and how (${TEST_DATABASE})`, () => {
  test('the JSON export leaves the backup schedule out, and an import of an older file leaves it out with a note', async () => {
    const d = JSON.parse(exported) as Doc;
    const other = (d.site as unknown as { other_settings: Record<string, unknown> }).other_settings;
    assert.ok(!('backup.schedule' in other), 'not exported');
    assert.ok(!exported.includes('/srv/old-backups'));
    other['backup.schedule'] = { frequency: 'daily', weekday: 'sunday', time: '03:00', keep: 7, folder: '/srv/x' };
    const report = await importInto(
      target,
      streamOf(() => [JSON.stringify(d)]),
      true,
    );
    assert.equal(report.dryRun, true);
    assert.equal(report.notes.length, 1);
    assert.match(report.notes[0] ?? '', /^backup\.schedule: left out; it names folders and times of the old server/);
    assert.deepEqual(await rowsIn(target), {}, 'a dry run changes nothing');
  });

  test('--dry-run imports and rolls back, printing what it would bring; --report writes the report as JSON', async () => {
    const empty = await emptySite();
    const file = join(root, 'dry-run.json');
    const reportFile = join(root, 'dry-run-report.json');
    writeFileSync(file, exported);
    const run = await runAnnalist(
      ['import', 'annalist', file, '--dry-run', '--report', reportFile, '--data-dir', empty.dir],
      { LOG_LEVEL: 'silent', DATABASE_URL: undefined, ...empty.env },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Dry run \(nothing was changed\): the import would bring 2 authors, .* 9 posts, /);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as AnnalistImportReport;
    assert.equal(report.dryRun, true);
    assert.equal(report.counts.posts, 9);
    assert.deepEqual(await rowsIn(empty.site), {}, 'nothing was written');
  });

  test('a thread of 3,000 replies imports with each @name linked to that person’s latest earlier comment; the settings are stored as their pages store them', async () => {
    const d = JSON.parse(exported) as Doc;
    const comments = d.comments ?? [];
    const post = d.posts?.find((p) => p.status === 'published' && p.type === 'post') as Record<string, unknown>;
    const first = Math.max(...comments.map((c) => Number(c.id))) + 1;
    const at = '2025-09-01T00:00:00.000Z';
    const thread = Array.from({ length: 3001 }, (_, n) => ({
      id: first + n,
      post_id: post.id,
      parent_id: n === 0 ? null : first,
      thread_id: first,
      depth: n === 0 ? 0 : 1,
      author_name: `Reader ${n % 50}`,
      author_email: `reader${n % 50}@example.org`,
      author_url: null,
      user_id: null,
      body_markdown: n === 0 ? 'Where did the cavalry cross?' : `@Reader ${(n + 7) % 50} I think it was the *ford*.`,
      quoted_comment_id: null,
      quoted_text: null,
      status: 'approved',
      moderation_reasons: [],
      created_at: at,
      updated_at: null,
      approved_at: at,
    }));
    d.comments = [...comments, ...thread];
    const site = d.site as unknown as Record<string, unknown>;
    site.language = 'EN-gb';
    site.other_settings = { moderation: { maxLength: 2000 }, preflight_words: ['Nomonhan', 'Khalkhin-Gol'] };
    d.menus = [{ id: 1, menu: 'primary', label: '  About   us ', url: '/about/', position: 0 }];
    const fresh = await emptySite();
    const report = await importInto(
      fresh.site,
      streamOf(() => [JSON.stringify(d)]),
    );
    assert.equal(report.counts.comments, comments.length + 3001);
    const db = fresh.site.storage.db;
    // Reply n (n > 7) names Reader (n + 7) % 50, whose latest earlier comment is reply n - 43.
    const n = 1000;
    const reply = await db
      .selectFrom('comments')
      .select('body_html')
      .where('id', '=', first + n)
      .executeTakeFirstOrThrow();
    assert.match(reply.body_html, new RegExp(`href="#comment-${first + n - 43}"[^>]*>@Reader ${(n + 7) % 50}<`));
    const top = await db
      .selectFrom('posts')
      .select('comment_count')
      .where('id', '=', Number(post.id))
      .executeTakeFirstOrThrow();
    assert.ok(Number(top.comment_count) >= 3001);
    assert.equal((await getSiteSettings({ db })).locale, 'en-GB', 'the tag in the form the settings page stores');
    assert.equal((await getModerationSettings({ db })).maxLength, 2000);
    assert.deepEqual(await getSiteWords({ db }), ['Khalkhin-Gol', 'Nomonhan']);
    assert.deepEqual((await loadMenus({ db })).primary, [{ id: 1, label: 'About us', url: '/about/' }]);
    const app = buildApp({
      content: fresh.site.content,
      contentVersion: fresh.site.storage.contentVersion,
      changes: fresh.site.changes,
      baseUrl: TEST_BASE_URL,
      mediaDir: fresh.site.mediaDir,
      pageCache: false,
      logger: false,
    });
    cleanups.push(() => app.close());
    const home = await app.inject('/');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /href="\/about\/"[^>]*>About us</);
  });
});
