import { NOTHING_CHANGED } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import type { SiteExportDeps } from './export.deps.ts';
import {
  claimExportLease,
  EXPORT_LEASE_MS,
  type ExportLease,
  isExportRunning,
  releaseExportLease,
  renewExportLease,
} from './export-lease.ts';
import { type ExportSink, writeJsonExport } from './json-export.ts';
import { exportWxr, type WxrExportReport } from './wxr-export.service.ts';

/** The files the administration offers: WordPress eXtended RSS 1.2 and the Annalist JSON export. */
export const EXPORT_FORMATS = ['wordpress', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface SiteExportInput {
  format: ExportFormat;
  /** The site's public address, without a trailing slash: WXR links are made absolute with it. */
  baseUrl: string;
  /**
   * Readers' personal data: commenters' email addresses in either file, and in the JSON also the commenters'
   * list and the email and address bans (src/modules/export/personal-data.ts). Off, neither file names a reader.
   */
  includePersonalData: boolean;
  /** JSON only: each uploaded image's bytes, in base64. */
  includeMediaBytes: boolean;
}

export type SiteExportReport =
  | { format: 'wordpress'; wxr: WxrExportReport }
  | { format: 'json'; counts: Record<string, number> };

const FILE_ENDINGS: Record<ExportFormat, string> = { wordpress: 'wordpress.xml', json: 'json' };

/**
 * The download's file name: `annalist-<host>-<YYYY-MM-DD>.wordpress.xml` or `.json`, dated in the site's time
 * zone, the host reduced to letters, digits, dots and hyphens so the name is safe in any header or folder.
 */
export function exportFileName(input: { format: ExportFormat; baseUrl: string; now: Date; timeZone: string }): string {
  let host = 'site';
  try {
    host =
      new URL(input.baseUrl).hostname
        .toLowerCase()
        .replace(/[^a-z0-9.-]+/g, '-')
        .replace(/^-+|-+$/g, '') || host;
  } catch {
    // not an address: the generic name
  }
  const parts = new Intl.DateTimeFormat('en', {
    timeZone: input.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(input.now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `annalist-${host}-${part('year')}-${part('month')}-${part('day')}.${FILE_ENDINGS[input.format]}`;
}

/** Whether an export of this site is being written now, by any process: the admin page says so. */
export function exportInProgress(deps: Pick<SiteExportDeps, 'db' | 'clock'>): Promise<boolean> {
  return isExportRunning(deps.db, deps.clock.now());
}

/**
 * One export of the whole site to `sink`, read in one snapshot while the site keeps serving. One at a time per
 * site, across processes and nodes: while another runs, EXPORT_BUSY is thrown before anything is written. The
 * sink's writes are awaited, so a slow reader holds the export back instead of filling memory.
 */
export async function exportSite(
  deps: SiteExportDeps,
  input: SiteExportInput,
  sink: ExportSink,
): Promise<SiteExportReport> {
  const lease = await claimExportLease(deps.db, deps.clock.now());
  deps.noteWrite?.(NOTHING_CHANGED);
  if (!lease)
    throw new AppError(
      'EXPORT_BUSY',
      'Another export of this site is being written just now. Wait until it has finished, then ask again.',
    );
  const renewal = keepRenewed(deps, lease);
  try {
    return await deps.withSnapshot(async (db) => {
      if (input.format === 'json') {
        const counts = await writeJsonExport(
          {
            db,
            annalistVersion: deps.annalistVersion,
            exportedAt: deps.clock.now().toISOString(),
            baseUrl: input.baseUrl,
            includeMediaBytes: input.includeMediaBytes,
            includePersonalData: input.includePersonalData,
          },
          sink,
        );
        return { format: 'json', counts };
      }
      const wxr = await exportWxr(
        { db, clock: deps.clock },
        { baseUrl: input.baseUrl, includeEmails: input.includePersonalData, write: (chunk) => sink.write(chunk) },
      );
      return { format: 'wordpress', wxr };
    });
  } finally {
    await renewal.stop();
    // A release that fails (the database away) leaves a lease that runs out by itself.
    await releaseExportLease(deps.db, lease).catch(() => {});
    deps.noteWrite?.(NOTHING_CHANGED);
  }
}

/** Renews the lease a third of its length before it would run out, for as long as the export runs. */
function keepRenewed(deps: SiteExportDeps, lease: ExportLease): { stop(): Promise<void> } {
  let pending: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    // A renewal that fails is tried again at the next tick; the lease lasts three ticks.
    pending = pending.then(async () => {
      const renewed = await renewExportLease(deps.db, lease, deps.clock.now()).catch(() => false);
      deps.noteWrite?.(NOTHING_CHANGED);
      return renewed;
    });
  }, EXPORT_LEASE_MS / 3);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      // A renewal in flight changes the stored value: release only once it has landed.
      await pending;
    },
  };
}
