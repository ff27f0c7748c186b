import { createReadStream, existsSync, statSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { openSite } from './main.ts';
import { formatReport } from './modules/import/import-report.ts';
import { importWordpress } from './modules/import/wordpress-import.service.ts';
import { isAppError } from './modules/shared/errors.ts';

export interface ImportCommand {
  /** Only `wordpress` for now. */
  platform: string | undefined;
  file: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  dryRun: boolean;
  report: string | undefined;
}

/**
 * `annalist import wordpress FILE.xml [--dry-run] [--report FILE]`: imports into the site of the data folder
 * (or DATABASE_URL) in one transaction, with a progress bar on a terminal, then prints the report (and writes
 * it as JSON with --report). Resolves to the exit code; a refused file is one line on stderr naming why (and
 * where, for XML that is not well-formed).
 */
export async function runImport(cmd: ImportCommand): Promise<number> {
  const say = (line: string) => process.stderr.write(`annalist: ${line}\n`);
  if (cmd.platform !== 'wordpress') {
    say(`import knows one platform so far: annalist import wordpress FILE.xml (not "${cmd.platform ?? ''}")`);
    return 1;
  }
  const file = cmd.file;
  if (!file || !existsSync(file) || !statSync(file).isFile()) {
    say(
      `give the WordPress export to import: annalist import wordpress FILE.xml${file ? ` (${file} is not a file)` : ''}`,
    );
    return 1;
  }
  const site = await openSite(cmd.dataDir, { databaseUrl: cmd.databaseUrl });
  const bar = process.stdout.isTTY
    ? new cliProgress.SingleBar(
        {
          stream: process.stdout,
          clearOnComplete: true,
          format: 'importing {bar} {percentage}% | {value}/{total} KB | {items} items | {eta_formatted} left',
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const total = Math.max(1, Math.ceil(statSync(file).size / 1024));
  try {
    let bytes = 0;
    const open = () => {
      bytes = 0;
      bar?.start(total, 0, { items: 0 });
      const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
      stream.on('data', (chunk) => {
        bytes += Buffer.byteLength(chunk as string);
      });
      return stream as AsyncIterable<string>;
    };
    const report = await importWordpress(site.content, {
      open,
      dryRun: cmd.dryRun,
      onItem: (items) => {
        bar?.update(Math.ceil(bytes / 1024), { items });
        // Without a terminal (a log, a service), a line every thousand items says it is moving.
        if (!bar && items % 1000 === 0) process.stderr.write(`annalist: read ${items} items…\n`);
      },
    });
    bar?.update(total);
    bar?.stop();
    process.stdout.write(formatReport(report));
    if (cmd.report) writeFileSync(cmd.report, `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } catch (err) {
    bar?.stop();
    if (!isAppError(err)) throw err;
    say(`${err.code}: ${err.publicMessage} Nothing was imported.`);
    return 1;
  } finally {
    await site.storage.close();
  }
}
