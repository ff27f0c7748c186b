import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { DATABASE_FILE } from './main.ts';
import { MigrateDataError, migrateData, type TableCount } from './storage/migrate-data.ts';
import { openSqliteStorage } from './storage/sqlite/open-sqlite.ts';
import type { Storage } from './storage/storage.ts';

export interface MigrateDataCommand {
  /** `sqlite:<data folder or .db file>` */
  from: string | undefined;
  /** `postgres://…` (default: DATABASE_URL) */
  to: string | undefined;
  replace: boolean;
}

/** `host:port/database` of a PostgreSQL URL: what messages name (never the user or password). */
export function describePostgresUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
}

function sqliteFile(from: string): string {
  const path = resolve(from.slice('sqlite:'.length) || '.');
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, DATABASE_FILE) : path;
  if (!existsSync(file))
    throw new MigrateDataError(
      'COPY_FAILED',
      `${file} does not exist: --from names the data folder of an Annalist site (sqlite:./data)`,
    );
  return file;
}

/**
 * `annalist migrate-data --from sqlite:./data --to postgres://…`: the SQLite file opened read-only, the
 * PostgreSQL database migrated, every table copied with a progress bar per table on stderr, then a table of
 * row counts on stdout. Resolves to the exit code; a refusal or failure is one line on stderr.
 */
export async function runMigrateData(cmd: MigrateDataCommand): Promise<number> {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  if (!cmd.from?.startsWith('sqlite:')) {
    say('annalist: migrate-data needs --from sqlite:<data folder>, e.g. --from sqlite:./data');
    return 1;
  }
  if (!cmd.to || !/^postgres(ql)?:\/\//.test(cmd.to)) {
    say('annalist: migrate-data needs --to postgres://user:password@host:port/database (or DATABASE_URL)');
    return 1;
  }
  let targetName: string;
  try {
    targetName = describePostgresUrl(cmd.to);
  } catch {
    say('annalist: --to is not a valid postgres:// URL');
    return 1;
  }
  let source: Storage | undefined;
  let target: Storage | undefined;
  try {
    const file = sqliteFile(cmd.from);
    source = await openSqliteStorage(file, { readonly: true });
    // Loaded here: the pg driver is only needed by this command (and by serve with DATABASE_URL).
    const { openPostgresStorage } = await import('./storage/postgres/open-postgres.ts');
    target = await openPostgresStorage(cmd.to);
    const tty = process.stderr.isTTY === true;
    let bar: cliProgress.SingleBar | undefined;
    const result = await migrateData({
      source,
      target,
      replace: cmd.replace,
      sourceName: file,
      targetName,
      progress: {
        tableStarted(table, rows) {
          if (!tty) return;
          bar = new cliProgress.SingleBar(
            { stream: process.stderr, format: `${table.padEnd(24)} [{bar}] {value}/{total}`, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(rows, 0);
        },
        rowsCopied(_table, copied) {
          bar?.update(copied);
        },
        tableDone(table, rows) {
          bar?.stop();
          bar = undefined;
          say(`copied ${table}: ${rows} rows`);
        },
      },
    });
    if (result.emptied !== 'nothing')
      say(`(the target held ${result.emptied === 'site' ? 'a site' : 'an unfinished copy'}: it was emptied first)`);
    process.stdout.write(countTable(result.counts));
    if (!result.complete) {
      const wrong = result.counts.filter((c) => c.source !== c.target).map((c) => c.table);
      say(
        `annalist: row counts differ for ${wrong.join(', ')}; the target stays marked as an unfinished copy: run again`,
      );
      return 1;
    }
    process.stdout.write(`Copied ${file} into ${targetName}: every table has the same number of rows.\n`);
    return 0;
  } catch (err) {
    if (err instanceof MigrateDataError) {
      say(`annalist: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await source?.close();
    await target?.close();
  }
}

function countTable(counts: TableCount[]): string {
  const lines = [`${'table'.padEnd(24)} ${'sqlite'.padStart(10)} ${'postgres'.padStart(10)}`];
  for (const c of counts) {
    const flag = c.source === c.target ? '' : '  DIFFERS';
    lines.push(`${c.table.padEnd(24)} ${String(c.source).padStart(10)} ${String(c.target).padStart(10)}${flag}`);
  }
  return `${lines.join('\n')}\n`;
}
