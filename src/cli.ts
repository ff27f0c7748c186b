import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runBackup, runRestore } from './backup-command.ts';
import { isClusterPrimary, isClusterWorker, runPrimary } from './cluster.ts';
import { ConfigError, readConfig } from './config.ts';
import { runExport } from './export-command.ts';
import { runImport } from './import-command.ts';
import { DATABASE_FILE, openSite, type Site, startServer } from './main.ts';
import { runMigrateData } from './migrate-data-command.ts';
import { createSignInLink, createUser } from './modules/accounts/accounts.service.ts';
import { USER_ROLES } from './modules/accounts/accounts.types.ts';
import { createOwnerSetupLink, needsOwnerSetup } from './modules/accounts/owner-setup.service.ts';
import { isDemoNeeded, seedDemoSite } from './modules/demo/demo.service.ts';
import { isAppError } from './modules/shared/errors.ts';
import { MIGRATION_NAMES } from './storage/migrations/index.ts';
import { describeDatabaseUrl } from './storage/postgres/connection.ts';
import { appliedMigrations, openPostgresStorage } from './storage/postgres/open-postgres.ts';
import { openRedisSharedState } from './storage/redis/open-redis.ts';
import { SharedStateOpenError } from './storage/shared-state.ts';
import { inspectSqliteFile } from './storage/sqlite/open-sqlite.ts';
import { StorageOpenError } from './storage/storage.ts';

const HELP = `annalist — a publishing platform for history writers

Usage: annalist <command> [options]

Commands:
  serve              Serve the site (creates the demo site in an empty data folder)
                     and, while no owner can sign in, prints a one-time owner setup link
  demo               Create the demo site in a data folder (--force replaces what is there)
  check              Check a data folder (database file, integrity, migrations), or with
                     DATABASE_URL that PostgreSQL can be reached and holds Annalist's schema
  user add EMAIL     Add a user (--role, optional --name) and print a one-time sign-in link
                     where they choose their password; the link starts with $ANNALIST_BASE_URL.
                     First run: annalist user add --role owner you@example.org
  migrate-data       Copy a site from its SQLite data folder into PostgreSQL
                     (--from sqlite:./data --to postgres://…; --replace empties a target that has a site)
  backup             Write one archive of the site (--data-dir or DATABASE_URL) while it keeps serving:
                     every table, the media folder and a manifest with checksums; no session, site secret
                     or password (unless --include-accounts). See docs/backups.md
  restore FILE       Check a backup in full, then restore it into an empty site (--data-dir or DATABASE_URL)
                     in one transaction; --force backs up what is there first and replaces it
  import wordpress FILE.xml
                     Import a WordPress export (WXR) into the site, in one transaction: bylines,
                     categories, tags, posts, pages, comments and 301s from the old addresses; a re-run
                     updates what it imported before. --dry-run reports without changing anything,
                     --report FILE writes the report as JSON. See docs/moving-in.md
                     --uploads DIR: the old site's wp-content/uploads copied here; its images go into the
                     media library and the articles show them. --author-map FILE: JSON of old logins or
                     emails -> existing byline slugs (or account emails), credited instead of new bylines
  import ghost FILE.json
                     Import a Ghost 4, 5 or 6 export, the same way: posts, pages, public tags (the first
                     one as the primary category), bylines, featured images, SEO fields; members-only
                     posts as drafts; passwords, keys and settings in the file are ignored
  import disqus FILE.xml
                     Import a Disqus export's comments onto the articles their threads belong to (by
                     identifier, then by address), approved, with their replies; spam and deleted
                     comments are counted and left out; no mail is sent
                     (wordpress and disqus: XML that is not well-formed is refused with its line and
                     column; --repair imports what a tolerant reading recovers and lists every repair)
  export wordpress   Write the site as a WordPress export (WXR 1.2) for WordPress's importer: authors,
                     categories, tags, posts and pages rendered to HTML, comments, images; to standard
                     output, or --out FILE (never overwritten). Needs ANNALIST_BASE_URL. See docs/export.md
  export json        Write the whole site as one documented, versioned JSON document (docs/export.md,
                     schema in docs/export-schema.json): posts with revisions, comments, sources, citations,
                     corrections, media (--include-media adds the bytes)…; no secret. --out FILE or stdout
  export static DIR  Write the public site as static files into DIR for nginx or an object store: every
                     page, archive, feed, image and asset, relative links (--base-url makes them absolute),
                     no forms, offline search; a re-run rewrites only what changed. See docs/export.md
  import annalist FILE.json
                     Import an Annalist JSON export into an EMPTY site (--data-dir or DATABASE_URL), ids
                     kept, in one transaction; prints one-time sign-in links for the owners. --dry-run
                     checks and imports everything, then rolls back; --report FILE writes the report as JSON
  help               Show this help

Options:
  --data-dir DIR     Data folder (default: $ANNALIST_DATA_DIR or ./data)
  --backup-dir DIR   With serve: the folder scheduled backups and "Back up now" write to (default:
                     $ANNALIST_BACKUP_DIR or <data dir>/backups; never inside media/, never the data folder)
  --port N           Port to listen on (default: $PORT or 3000)
  --host ADDR        Address to listen on (default: $HOST or 127.0.0.1)
  --force            With demo: delete the folder's database and media first; with restore: replace a site
  --role ROLE        With user add: owner, admin, editor, moderator, author or contributor
  --email EMAIL      With user add: the address they sign in with (or give it as the last word)
  --name NAME        With user add: the name shown to readers and other users (default: from the email)
  --from sqlite:DIR  With migrate-data: the data folder to copy from (opened read-only)
  --to URL           With migrate-data: the PostgreSQL database to copy into (default: $DATABASE_URL)
  --replace          With migrate-data: empty a target that already holds a site
  --out FILE         With backup: the archive to write (default: annalist-backup-<time>.tar.gz here)
  --include-accounts With backup: keep password hashes and second-factor secrets in the archive
  --dry-run          With import: read and check everything, change nothing, print the report
  --report FILE      With import: also write the report as JSON to FILE
  --repair           With import wordpress or disqus: mend a file that is not well-formed XML (a bare &
                     becomes &amp;, control characters are dropped, HTML entities such as &nbsp; become
                     characters, a nested CDATA keeps its text) and list each repair in the report; a
                     DOCTYPE or a file cut short is still refused
  --out FILE         With export: the file to write (default: standard output)
  --include-emails   With export: keep commenters' email addresses in the file (left out by default)
  --include-media    With export json: put every media file's bytes in the document (base64)
  --base-url URL     With export static: the address the copy is served from (absolute links, feeds)
  --live-url URL     With export static: the live site, where "Join the discussion" leads

Environment: PORT, HOST, ANNALIST_DATA_DIR, ANNALIST_BASE_URL, LOG_LEVEL, DATABASE_URL, REDIS_URL,
             ANNALIST_PURGE_WEBHOOK, ANNALIST_BACKUP_DIR
`;

/** A name to start with when `user add` is given none: "ada.lovelace@…" gives "Ada Lovelace" (changeable later). */
function nameFromEmail(email: string): string {
  const local = email.trim().split('@')[0] ?? '';
  const words = local.split(/[._+-]+/).filter(Boolean);
  const name = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
  return name.slice(0, 80) || 'Owner';
}

/**
 * First run without the command line (the demo): while no owner can sign in, print a one-time link that sets
 * one up. Never a default password. A new link on every start; each works once and for SETUP_LINK_HOURS.
 */
async function printOwnerSetupLink(site: Site, baseUrl: string): Promise<void> {
  const deps = { db: site.storage.db, clock: site.content.clock, baseUrl };
  const signIn = `${baseUrl.replace(/\/$/, '')}/admin/`;
  if (!(await needsOwnerSetup(deps))) {
    process.stdout.write(`Sign in at ${signIn}\n`);
    return;
  }
  const link = await createOwnerSetupLink(deps);
  process.stdout.write(
    `No owner can sign in yet (there is no default password). Open this one-time link to become the owner,\n` +
      `choose your password and sign in; afterwards sign in at ${signIn}\n` +
      `(the link works once, until ${link.expiresAt}):\n${link.url}\n`,
  );
}

/** Where the site's data is, as a person reads it: the SQLite file relative to here, or the PostgreSQL server. */
function whereDataIs(config: { dataDir: string; databaseUrl?: string }): string {
  if (config.databaseUrl) return 'the PostgreSQL database DATABASE_URL names';
  const file = relative(process.cwd(), join(config.dataDir, DATABASE_FILE));
  return file.startsWith('..') || isAbsolute(file) ? join(config.dataDir, DATABASE_FILE) : `./${file}`;
}

function fail(message: string): never {
  process.stderr.write(`annalist: ${message}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'data-dir': { type: 'string' },
        'backup-dir': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        force: { type: 'boolean', default: false },
        role: { type: 'string' },
        email: { type: 'string' },
        name: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        replace: { type: 'boolean', default: false },
        out: { type: 'string' },
        'include-accounts': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        repair: { type: 'boolean', default: false },
        report: { type: 'string' },
        uploads: { type: 'string' },
        'author-map': { type: 'string' },
        'base-url': { type: 'string' },
        'live-url': { type: 'string' },
        'include-emails': { type: 'boolean', default: false },
        'include-media': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    fail(`${(err as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  const command = values.help ? 'help' : (positionals[0] ?? 'help');
  const env = { ...process.env };
  if (typeof values.port === 'string') env.PORT = values.port;
  if (typeof values.host === 'string') env.HOST = values.host;
  const config = readConfig(env, {
    ...(typeof values['data-dir'] === 'string' ? { dataDir: resolve(values['data-dir']) } : {}),
    ...(typeof values['backup-dir'] === 'string' ? { backupDir: values['backup-dir'] } : {}),
  });

  // Links printed for the owner use ANNALIST_BASE_URL when it is set, else the address actually listened on.
  const linkBase = (listening: string) => (env.ANNALIST_BASE_URL ? config.baseUrl : listening);

  switch (command) {
    case 'help':
      process.stdout.write(HELP);
      return;
    case 'serve': {
      if (isClusterPrimary(config)) {
        // Every worker needs Redis: refuse here, in one line, rather than let the workers fail one by one.
        if (config.redisUrl) await (await openRedisSharedState(config.redisUrl)).close();
        await runPrimary(
          config,
          async (dir) => {
            const site = await openSite(dir, { databaseUrl: config.databaseUrl });
            return { content: site.content, mediaDir: site.mediaDir, close: () => site.storage.close() };
          },
          // The owner setup link, once the workers listen (with PORT=0 only then is the port known).
          async (url) => {
            const site = await openSite(config.dataDir, { databaseUrl: config.databaseUrl });
            try {
              await printOwnerSetupLink(site, linkBase(url));
            } finally {
              await site.storage.close();
            }
          },
        );
        return;
      }
      const { app, url, site, demo } = await startServer(config);
      // A cluster worker: the primary says where the site is, once every worker listens.
      if (!isClusterWorker()) {
        if (demo)
          process.stdout.write(
            `Created a demo site in ${whereDataIs(config)}: ${demo.posts} articles and pages, with comments and sources.\n`,
          );
        process.stdout.write(`Annalist is serving ${config.dataDir} at ${url}\n`);
        await printOwnerSetupLink(site, linkBase(url));
      }
      // Stop accepting, let requests in flight finish, stop the job and mail workers, close the database; a
      // stuck request does not hold the exit for more than 5 seconds.
      const stop = () => {
        setTimeout(() => process.exit(0), 5000).unref();
        app.close().finally(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return;
    }
    case 'demo': {
      const dbFile = join(config.dataDir, DATABASE_FILE);
      if (config.databaseUrl) {
        // PostgreSQL: openSite checks the server and the schema; it never drops a database.
        if (values.force)
          fail(
            '--force replaces an SQLite data folder; with DATABASE_URL set, drop and re-create the database instead',
          );
      } else if (values.force) {
        for (const f of [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, 'media'])
          rmSync(join(config.dataDir, f), { recursive: true, force: true });
      } else if (existsSync(dbFile)) {
        inspectSqliteFile(dbFile);
      }
      mkdirSync(config.dataDir, { recursive: true });
      const site = await openSite(config.dataDir, { databaseUrl: config.databaseUrl });
      try {
        if (!(await isDemoNeeded(site.content)))
          fail(`${config.dataDir} already has content; use --force to replace it with the demo`);
        const { posts } = await seedDemoSite(site.content, { mediaDir: site.mediaDir });
        process.stdout.write(`Created the demo site in ${config.dataDir}: ${posts} articles and pages.\n`);
      } finally {
        await site.storage.close();
      }
      return;
    }
    case 'migrate-data': {
      process.exitCode = await runMigrateData({
        from: typeof values.from === 'string' ? values.from : undefined,
        to: typeof values.to === 'string' ? values.to : env.DATABASE_URL,
        replace: values.replace === true,
      });
      return;
    }
    case 'backup': {
      process.exitCode = await runBackup({
        dataDir: config.dataDir,
        databaseUrl: config.databaseUrl,
        out: typeof values.out === 'string' ? values.out : undefined,
        includeAccounts: values['include-accounts'] === true,
        debug: config.logLevel === 'debug',
      });
      return;
    }
    case 'restore': {
      process.exitCode = await runRestore({
        dataDir: config.dataDir,
        databaseUrl: config.databaseUrl,
        file: positionals[1],
        force: values.force === true,
        baseUrl: config.baseUrl,
        debug: config.logLevel === 'debug',
      });
      return;
    }
    case 'import': {
      process.exitCode = await runImport({
        platform: positionals[1],
        file: positionals[2],
        dataDir: config.dataDir,
        databaseUrl: config.databaseUrl,
        dryRun: values['dry-run'] === true,
        repair: values.repair === true,
        report: typeof values.report === 'string' ? values.report : undefined,
        uploads: typeof values.uploads === 'string' ? values.uploads : undefined,
        authorMap: typeof values['author-map'] === 'string' ? values['author-map'] : undefined,
        baseUrl: config.baseUrl,
      });
      return;
    }
    case 'export': {
      process.exitCode = await runExport({
        format: positionals[1],
        out: typeof values.out === 'string' ? values.out : undefined,
        dataDir: config.dataDir,
        databaseUrl: config.databaseUrl,
        baseUrl: env.ANNALIST_BASE_URL ? config.baseUrl : undefined,
        includeEmails: values['include-emails'] === true,
        includeMedia: values['include-media'] === true,
        dir: positionals[2],
        staticBaseUrl: typeof values['base-url'] === 'string' ? values['base-url'] : undefined,
        liveUrl: typeof values['live-url'] === 'string' ? values['live-url'] : undefined,
      });
      return;
    }
    case 'check': {
      if (config.databaseUrl) {
        const storage = await openPostgresStorage(config.databaseUrl, { migrate: false });
        try {
          const applied = await appliedMigrations(storage);
          const pending = MIGRATION_NAMES.length - applied;
          process.stdout.write(
            `PostgreSQL at ${describeDatabaseUrl(config.databaseUrl)}: reachable, Annalist schema ok` +
              (pending > 0 ? ` (${pending} migrations pending: they run when the site next starts).\n` : '.\n'),
          );
        } finally {
          await storage.close();
        }
        return;
      }
      const dbFile = join(config.dataDir, DATABASE_FILE);
      if (!existsSync(config.dataDir)) fail(`${config.dataDir} does not exist`);
      if (!existsSync(dbFile))
        fail(`${dbFile} does not exist (the folder holds: ${readdirSync(config.dataDir).join(', ') || 'nothing'})`);
      inspectSqliteFile(dbFile, { full: true });
      process.stdout.write(`${dbFile}: SQLite database, integrity ok, Annalist schema ok.\n`);
      return;
    }
    case 'user': {
      if (positionals[1] !== 'add' || positionals.length > 3)
        fail(`unknown command "${positionals.join(' ')}"; the user command is "user add"\n\n${HELP}`);
      const { role } = values;
      // The email may be given as --email or as the last word: `annalist user add --role owner ada@example.org`.
      const email = typeof values.email === 'string' ? values.email : positionals[2];
      if (typeof role !== 'string' || typeof email !== 'string')
        fail(
          'user add needs --role, --email and --name, or --role and the email alone (annalist user add --role owner you@example.org)',
        );
      if (typeof values.email === 'string' && positionals[2] !== undefined) fail('give the email once');
      const name = typeof values.name === 'string' ? values.name : nameFromEmail(email);
      if (!(USER_ROLES as readonly string[]).includes(role)) fail(`--role must be one of ${USER_ROLES.join(', ')}`);
      const dbFile = join(config.dataDir, DATABASE_FILE);
      if (!config.databaseUrl && existsSync(dbFile)) inspectSqliteFile(dbFile);
      const site = await openSite(config.dataDir, { databaseUrl: config.databaseUrl });
      try {
        const deps = { db: site.storage.db, clock: site.content.clock, baseUrl: config.baseUrl };
        const user = await createUser(deps, { email, name, role: role as (typeof USER_ROLES)[number] });
        // Never a default password: the person chooses one through this link.
        const link = await createSignInLink(deps, user.id);
        process.stdout.write(
          `Added ${user.name} <${user.email}> as ${user.role}.\n` +
            `Send them this link to choose a password; it works once, until ${link.expiresAt}:\n${link.url}\n`,
        );
      } catch (err) {
        if (isAppError(err)) fail(err.publicMessage);
        throw err;
      } finally {
        await site.storage.close();
      }
      return;
    }
    default:
      fail(`unknown command "${command}"\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Known failures are one line a person can act on; anything else keeps its stack for a bug report.
  if (err instanceof StorageOpenError || err instanceof ConfigError || err instanceof SharedStateOpenError)
    fail(err.message);
  if (err && typeof err === 'object' && 'code' in err && err.code === 'EADDRINUSE')
    fail(`the port is already in use (${String((err as { message?: unknown }).message)})`);
  process.stderr.write(`annalist: unexpected failure\n${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
