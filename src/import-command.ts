import { createReadStream, existsSync, statSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { heapTrimmer } from './heap-trim.ts';
import { readWordpressExtras, type WordpressImportExtras } from './import-wordpress-options.ts';
import { openSite, type Site } from './main.ts';
import { createSignInLink } from './modules/accounts/accounts.service.ts';
import { importAnnalistExport } from './modules/import/annalist-import.service.ts';
import { importDisqus } from './modules/import/disqus-import.service.ts';
import { GHOST_MAX_BYTES } from './modules/import/ghost-export.ts';
import { importGhost } from './modules/import/ghost-import.service.ts';
import { formatReport, type ImportReport } from './modules/import/import-report.ts';
import { importWordpress } from './modules/import/wordpress-import.service.ts';
import { repairMayHelp } from './modules/import/xml-stream.ts';
import { isAppError } from './modules/shared/errors.ts';

/** Items (posts, pages, attachments) between two full collections of the heap (heap-trim.ts): every few seconds. */
const HEAP_TRIM_EVERY = 1000;

export interface ImportCommand {
  /** `wordpress` (a WXR file), `ghost` (a Ghost JSON export), `disqus` (a Disqus XML export) or `annalist` (an Annalist JSON export). */
  platform: string | undefined;
  file: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  dryRun: boolean;
  report: string | undefined;
  /** wordpress and disqus: import what a tolerant reading of XML that is not well-formed recovers. */
  repair?: boolean;
  /** wordpress: `--uploads DIR`, the old site's wp-content/uploads, and `--author-map FILE` (JSON). */
  uploads?: string;
  authorMap?: string;
  /** Start of the owners' sign-in links printed after `import annalist`. */
  baseUrl?: string;
}

/** The platforms whose exports `annalist import` reads into a site, each with its file and its import. */
const PLATFORMS: Record<
  'wordpress' | 'ghost' | 'disqus',
  {
    name: string;
    file: string;
    run: (
      site: Site,
      a: {
        open: () => AsyncIterable<string>;
        dryRun: boolean;
        repair: boolean;
        onItem: (n: number) => void;
      } & WordpressImportExtras,
    ) => Promise<ImportReport>;
  }
> = {
  wordpress: { name: 'WordPress export', file: 'FILE.xml', run: (site, a) => importWordpress(site.content, a) },
  ghost: { name: 'Ghost export', file: 'FILE.json', run: (site, a) => importGhost(site.content, a) },
  disqus: { name: 'Disqus export', file: 'FILE.xml', run: (site, a) => importDisqus(site.content, a) },
};

const isPlatform = (p: string | undefined): p is keyof typeof PLATFORMS =>
  p !== undefined && Object.hasOwn(PLATFORMS, p);

/**
 * `annalist import wordpress|ghost|disqus FILE [--dry-run] [--report FILE] [--repair]`: imports into the site of the data
 * folder (or DATABASE_URL) in one transaction, with a progress bar on a terminal, then prints the report (and
 * writes it as JSON with --report). Resolves to the exit code; a refused file is one line on stderr naming why
 * (and where, for a file that is not well-formed).
 */
export async function runImport(cmd: ImportCommand): Promise<number> {
  const say = (line: string) => process.stderr.write(`annalist: ${line}\n`);
  if (cmd.repair && (cmd.platform === 'ghost' || cmd.platform === 'annalist')) {
    say(`--repair mends XML that is not well-formed: it is for wordpress and disqus files, not ${cmd.platform} JSON`);
    return 1;
  }
  if (cmd.platform === 'annalist') return runAnnalistImport(cmd);
  if (!isPlatform(cmd.platform)) {
    say(
      `import reads annalist import wordpress FILE.xml, ghost FILE.json, disqus FILE.xml or annalist FILE.json (not "${cmd.platform ?? ''}")`,
    );
    return 1;
  }
  const platform = PLATFORMS[cmd.platform];
  const file = cmd.file;
  if (!file || !existsSync(file) || !statSync(file).isFile()) {
    say(
      `give the ${platform.name} to import: annalist import ${cmd.platform} ${platform.file}${file ? ` (${file} is not a file)` : ''}`,
    );
    return 1;
  }
  // A Ghost export is read whole: one too large for that is refused before it is opened.
  if (cmd.platform === 'ghost' && statSync(file).size > GHOST_MAX_BYTES) {
    say(
      `IMPORT_GHOST_TOO_LARGE: ${file} is larger than ${GHOST_MAX_BYTES / 1024 / 1024} MB: a Ghost export is read whole, and a content export is far smaller. Nothing was imported.`,
    );
    return 1;
  }
  const extras = readWordpressExtras(cmd);
  if (typeof extras === 'string') {
    say(extras);
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
    const trimHeap = heapTrimmer(HEAP_TRIM_EVERY);
    site.storage.prepareForBulkWrites?.();
    const report = await platform.run(site, {
      open,
      dryRun: cmd.dryRun,
      repair: cmd.repair ?? false,
      ...extras,
      onItem: (items) => {
        trimHeap();
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
    // A strict refusal says what --repair would do; never for a file cut short, which no repair completes.
    const hint =
      !cmd.repair && repairMayHelp(err)
        ? ' With --repair the import takes what a tolerant reading recovers (bare "&", control characters, nested CDATA) and lists every repair.'
        : '';
    say(`${err.code}: ${err.publicMessage}${hint} Nothing was imported.`);
    return 1;
  } finally {
    await site.storage.close();
  }
}

/**
 * `annalist import annalist FILE.json [--dry-run] [--report FILE]`: an Annalist JSON export into an empty site
 * (docs/export.md), in one transaction; then a one-time sign-in link for each owner, since no password travels in
 * an export. A dry run does all of it and rolls back; --report writes the report as JSON. Resolves to the exit
 * code; a refused file is one line on stderr naming the JSON path at fault.
 */
async function runAnnalistImport(cmd: ImportCommand): Promise<number> {
  const say = (line: string) => process.stderr.write(`annalist: ${line}\n`);
  const file = cmd.file;
  if (!file || !existsSync(file) || !statSync(file).isFile()) {
    say(`give the export to import: annalist import annalist FILE.json${file ? ` (${file} is not a file)` : ''}`);
    return 1;
  }
  const site = await openSite(cmd.dataDir, { databaseUrl: cmd.databaseUrl });
  try {
    const report = await importAnnalistExport(
      {
        db: site.storage.db,
        capabilities: site.storage.capabilities,
        search: site.storage.search,
        noteWrite: site.content.noteWrite,
      },
      {
        open: () => createReadStream(file, { highWaterMark: 64 * 1024 }),
        dryRun: cmd.dryRun,
        onItem: (collection, index) => {
          if ((index + 1) % 10_000 === 0) say(`read ${index + 1} ${collection}…`);
        },
      },
    );
    const counts = Object.entries(report.counts).map(([name, n]) => `${n} ${name.replace('_', ' ')}`);
    process.stdout.write(
      report.dryRun
        ? `Dry run (nothing was changed): the import would bring ${counts.join(', ')}.\n`
        : `Imported ${counts.join(', ')}.\n`,
    );
    if (report.mediaFilesWithoutBytes > 0)
      process.stdout.write(
        `${report.mediaFilesWithoutBytes} media files came without their bytes (exported without --include-media): upload them again.\n`,
      );
    for (const note of report.notes) process.stdout.write(`Left out: ${note}\n`);
    if (cmd.report) writeFileSync(cmd.report, `${JSON.stringify(report, null, 2)}\n`);
    if (report.ownerIds.length > 0 && !report.dryRun) {
      process.stdout.write('No password travels in an export. One-time links for the owners to choose one:\n');
      const deps = { db: site.storage.db, clock: site.content.clock, baseUrl: cmd.baseUrl ?? 'http://127.0.0.1:3000' };
      for (const id of report.ownerIds) {
        const link = await createSignInLink(deps, id);
        process.stdout.write(`  ${link.url} (until ${link.expiresAt})\n`);
      }
    }
    return 0;
  } catch (err) {
    if (!isAppError(err)) throw err;
    say(`${err.code}: ${err.publicMessage} Nothing was imported.`);
    return 1;
  } finally {
    await site.storage.close();
  }
}
