import { isIP } from 'node:net';
import type { BanKind, BanRow } from '../../storage/schema.ts';
import { findCommentById } from '../comments/comment.repository.ts';
import { isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { addBan, listBans, removeBan } from './bans.repository.ts';
import type { ModerationDeps } from './queue.service.ts';

export const BAN_KINDS = ['email', 'ip', 'domain', 'word'] as const satisfies readonly BanKind[];
/** Longest a ban with an end can run; longer is "for good". */
export const MAX_BAN_DAYS = 3650;

/** A ban as the administration shows it. */
export interface Ban {
  id: number;
  kind: BanKind;
  value: string;
  reason: string;
  createdAt: string;
  expiresAt: string | null;
}

const toBan = (r: BanRow): Ban => ({
  id: r.id,
  kind: r.kind,
  value: r.value,
  reason: r.reason,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

/** Longest banned value and reason (characters). */
export const BAN_LIMITS = { value: 254, reason: 200 } as const;

/** Why `value` cannot be banned as `kind` (a message for the moderator), or undefined when it can. */
export function banValueProblem(kind: BanKind, value: string): string | undefined {
  const v = value.trim();
  if (!v) return 'Give the thing to ban.';
  if (v.length > BAN_LIMITS.value) return 'That is too long to be banned.';
  if (kind === 'email' && !/^[^\s@]+@[^\s@]+$/.test(v)) return 'That is not an email address.';
  if (kind === 'ip' && isIP(v) === 0) return 'That is not an IP address (IPv4 or IPv6, without a port).';
  if (kind === 'domain' && !/^(?:@|\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?$/i.test(v)) return 'That is not a domain name.';
  return undefined;
}

function expiryOf(deps: Pick<ModerationDeps, 'clock'>, days: number | null): string | null {
  if (days === null) return null;
  if (!Number.isInteger(days) || days < 1 || days > MAX_BAN_DAYS) {
    const problem = `A ban can last from 1 to ${MAX_BAN_DAYS} days, or leave the days empty for a ban without end.`;
    throw new AppError('BAD_REQUEST', problem, { fields: { days: problem } });
  }
  return new Date(deps.clock.now().getTime() + days * 86_400_000).toISOString();
}

/** Bans an email address, IP address, domain or word, for `days` or (null) without end. */
export async function addBanByHand(
  deps: Pick<ModerationDeps, 'db' | 'clock'>,
  input: { kind: BanKind; value: string; reason: string; days: number | null },
): Promise<Ban> {
  if (!(BAN_KINDS as readonly string[]).includes(input.kind))
    throw new AppError('BAD_REQUEST', 'A ban is on an email, an IP address, a domain or a word.');
  const problem = banValueProblem(input.kind, input.value);
  if (problem) throw new AppError('BAD_REQUEST', problem, { fields: { value: problem } });
  const row = await addBan(deps.db, {
    kind: input.kind,
    value: input.value,
    reason: input.reason.slice(0, BAN_LIMITS.reason),
    expiresAt: expiryOf(deps, input.days),
    now: isoNow(deps.clock),
  });
  return toBan(row);
}

/** Bans the email address or the IP address a comment was written from. */
export async function banCommentAuthor(
  deps: Pick<ModerationDeps, 'db' | 'clock'>,
  input: { commentId: number; kind: 'email' | 'ip'; reason: string; days: number | null },
): Promise<Ban> {
  const row = await findCommentById(deps.db, input.commentId);
  if (!row)
    throw new AppError('COMMENT_NOT_FOUND', 'That comment is not there any more: it may have been deleted.', {
      detail: `comment ${input.commentId}`,
    });
  const value = input.kind === 'email' ? row.author_email : row.ip;
  if (!value) throw new AppError('BAD_REQUEST', 'This comment has no IP address to ban.');
  return addBanByHand(deps, { kind: input.kind, value, reason: input.reason, days: input.days });
}

/** Bans still in force (no end, or ending later than now), newest first. */
export async function listActiveBans(deps: Pick<ModerationDeps, 'db' | 'clock'>): Promise<Ban[]> {
  return (await listBans(deps.db, isoNow(deps.clock))).map(toBan);
}

/** Lifts a ban. */
export async function liftBan(deps: Pick<ModerationDeps, 'db'>, id: number): Promise<void> {
  if (!(await removeBan(deps.db, id))) throw new AppError('NOT_FOUND', 'That ban is not there any more.');
}
