/**
 * Wall-clock times in the site's time zone, as a writer types them into a `datetime-local` field
 * ("2025-09-01T07:30"), to and from the UTC instants the database keeps. Intl only: no time-zone library.
 */

const partFormats = new Map<string, Intl.DateTimeFormat>();

function partsIn(timeZone: string, at: number): Record<string, number> {
  let f = partFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partFormats.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(at))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** Minutes the zone is ahead of UTC at instant `at`. */
function offsetMinutes(timeZone: string, at: number): number {
  const p = partsIn(timeZone, at);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((asUtc - Math.floor(at / 1000) * 1000) / 60_000);
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * The UTC instant (ISO) of a wall-clock time in `timeZone`, or undefined when the text is not such a time
 * or the time does not exist there (skipped when the clocks go forward). A time that happens twice (clocks
 * going back) is read as the first of the two.
 */
export function zonedLocalToUtc(local: string, timeZone: string): string | undefined {
  const m = LOCAL.exec(local.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const naive = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(naive);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  // Try the offsets in force just before and after: one of them gives back the same wall-clock time.
  const candidates = [offsetMinutes(timeZone, naive - 86_400_000), offsetMinutes(timeZone, naive + 86_400_000)];
  const found = candidates
    .map((off) => naive - off * 60_000)
    .filter((at) => utcToZonedLocal(new Date(at).toISOString(), timeZone, true) === formatLocal(y, mo, d, h, mi, s))
    .sort((a, b) => a - b);
  return found.length ? new Date(found[0]!).toISOString() : undefined;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const formatLocal = (y: number, mo: number, d: number, h: number, mi: number, s: number) =>
  `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}`;

/** The wall-clock time of a UTC instant in `timeZone`, as a `datetime-local` value ("2025-09-01T07:30"). */
export function utcToZonedLocal(iso: string, timeZone: string, withSeconds = false): string {
  const p = partsIn(timeZone, new Date(iso).getTime());
  const full = formatLocal(p.year!, p.month!, p.day!, p.hour!, p.minute!, p.second!);
  return withSeconds ? full : full.slice(0, 16);
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
