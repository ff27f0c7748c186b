import type { BanKind, BanRow, Db } from '../../storage/schema.ts';
import { AppError } from '../shared/errors.ts';
import { wholeWordPattern } from './phases.ts';

/** What a new comment is checked against. `domains` are the host names of its links. */
export interface BanProbe {
  email: string;
  ip: string;
  domains: string[];
  text: string;
}

const normaliseHost = (host: string): string => host.trim().toLowerCase().replace(/\.$/u, '');

/** "a.b.example.com" -> ["a.b.example.com", "b.example.com", "example.com", "com"]: a ban on any of them applies. */
function domainAndParents(host: string): string[] {
  const labels = normaliseHost(host).split('.').filter(Boolean);
  return labels.map((_, i) => labels.slice(i).join('.'));
}

/**
 * The active bans (no expiry, or expiring after `now`) that match: the email exactly (case-insensitive), the IP
 * exactly, the email's domain or a link's domain equal to or under a banned domain, or a banned word standing
 * whole in the text. Email, IP and domain are matched by the index; word bans are few and tested here.
 */
export async function findMatchingBans(db: Db, probe: BanProbe, now: string): Promise<BanRow[]> {
  const email = probe.email.trim().toLowerCase();
  const emailDomain = email.includes('@') ? email.slice(email.lastIndexOf('@') + 1) : '';
  const domains = [...new Set([emailDomain, ...probe.domains].filter(Boolean).flatMap(domainAndParents))];
  const ip = probe.ip.trim().toLowerCase();

  const rows = await db
    .selectFrom('bans')
    .selectAll()
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .where((eb) =>
      eb.or([
        eb.and([eb('kind', '=', 'email'), eb('value', '=', email)]),
        eb.and([eb('kind', '=', 'ip'), eb('value', '=', ip)]),
        ...(domains.length > 0 ? [eb.and([eb('kind', '=', 'domain'), eb('value', 'in', domains)])] : []),
        eb('kind', '=', 'word'),
      ]),
    )
    .orderBy('id')
    .execute();

  return rows.filter((ban) => ban.kind !== 'word' || (wholeWordPattern(ban.value)?.test(probe.text) ?? false));
}

/** Normalises a ban's value the way findMatchingBans compares it: trimmed and lower-case (a domain also loses "@", "*."). */
function normaliseBanValue(kind: BanKind, value: string): string {
  const v = value.trim().toLowerCase();
  if (kind === 'domain') return normaliseHost(v.replace(/^(?:@|\*\.|\.)+/u, ''));
  if (kind === 'word') return v.split(/\s+/u).join(' ');
  return v;
}

/** Bans an email address, IP address, domain (with its subdomains) or word, until `expiresAt` or for good. */
export async function addBan(
  db: Db,
  input: { kind: BanKind; value: string; reason: string; expiresAt: string | null; now: string },
): Promise<BanRow> {
  const value = normaliseBanValue(input.kind, input.value);
  // An empty word would match between any two letters: every comment would be spam.
  if (value === '') throw new AppError('BAD_REQUEST', 'A ban needs something to ban.');
  return db
    .insertInto('bans')
    .values({
      kind: input.kind,
      value,
      reason: input.reason.trim(),
      created_at: input.now,
      expires_at: input.expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The active bans, newest first. */
export async function listBans(db: Db, now: string): Promise<BanRow[]> {
  return db
    .selectFrom('bans')
    .selectAll()
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Lifts a ban; false when there was no such ban. */
export async function removeBan(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('bans').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
