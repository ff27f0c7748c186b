import { createHmac } from 'node:crypto';
import type { Db } from '../../storage/schema.ts';
import { signToken, verifyToken } from '../shared/secret.ts';
import { hasApprovedCommentFrom } from './comment.repository.ts';

/**
 * The "returning commenter" proof (decision 021). An approved commenter's email earns trust only in a browser
 * that has shown the address is its writer's; a typed name and email show nothing. The proof is a token signed
 * with the site secret (the web layer keeps it in an HttpOnly cookie) that lists the comments sent from that
 * browser and the addresses confirmed there. A listed comment proves its email once it is approved, whether
 * it was approved at once or later by a moderator; a confirmation link opened in the browser proves its address.
 */

const PURPOSE = 'returning-commenter';
/** How long a browser stays known without commenting: every comment it sends renews the token. */
export const COMMENTER_PROOF_MAX_AGE_S = 365 * 24 * 3600;
// Enough for anyone's recent comments and a shared family computer, and a cookie well under 1 KB.
const MAX_COMMENT_IDS = 20;
const MAX_EMAIL_KEYS = 5;

/** What one browser has shown. */
export interface CommenterProof {
  /** Comments sent from this browser, oldest first. */
  commentIds: number[];
  /** Keyed digests of the addresses confirmed in this browser: the cookie never holds an address itself. */
  emailKeys: string[];
}

export const NO_COMMENTER_PROOF: CommenterProof = { commentIds: [], emailKeys: [] };

/** An email as comments store it, so that the proof and the comment history compare the same strings. */
export const commenterEmail = (email: string): string => email.trim().toLowerCase();

function emailKey(secret: Buffer, email: string): string {
  return createHmac('sha256', secret)
    .update(`commenter-email\n${commenterEmail(email)}`)
    .digest('base64url')
    .slice(0, 22);
}

const ID = /^[1-9][0-9]{0,14}$/;
const KEY = /^[A-Za-z0-9_-]{22}$/;

/** The proof a token carries; none when the token is missing, not ours, tampered with, too old or malformed. */
export function readCommenterProof(secret: Buffer, token: string | null | undefined, now: Date): CommenterProof {
  const payload = token ? verifyToken(secret, PURPOSE, token) : undefined;
  const [issued, ids, keys, ...extra] = payload?.split('|') ?? [];
  const issuedAt = Number(issued);
  if (ids === undefined || keys === undefined || extra.length > 0 || !Number.isSafeInteger(issuedAt))
    return NO_COMMENTER_PROOF;
  const age = now.getTime() - issuedAt;
  if (age > COMMENTER_PROOF_MAX_AGE_S * 1000 || age < -60_000) return NO_COMMENTER_PROOF;
  const commentIds = ids.split(',').filter((id) => ID.test(id));
  const emailKeys = keys.split(',').filter((key) => KEY.test(key));
  return { commentIds: commentIds.slice(-MAX_COMMENT_IDS).map(Number), emailKeys: emailKeys.slice(-MAX_EMAIL_KEYS) };
}

/** A fresh token for `proof`, issued `now` (the newest entries kept when there are too many). */
export function writeCommenterProof(secret: Buffer, proof: CommenterProof, now: Date): string {
  const ids = proof.commentIds.slice(-MAX_COMMENT_IDS).join(',');
  const keys = proof.emailKeys.slice(-MAX_EMAIL_KEYS).join(',');
  return signToken(secret, PURPOSE, `${now.getTime()}|${ids}|${keys}`);
}

/** The proof with one more comment sent from this browser. */
export function withComment(proof: CommenterProof, commentId: number): CommenterProof {
  return { ...proof, commentIds: [...proof.commentIds.filter((id) => id !== commentId), commentId] };
}

/** The proof with an address whose confirmation link was opened in this browser. */
export function withConfirmedEmail(secret: Buffer, proof: CommenterProof, email: string): CommenterProof {
  const key = emailKey(secret, email);
  return { ...proof, emailKeys: [...proof.emailKeys.filter((k) => k !== key), key] };
}

/** The browser's renewed token once a confirmation link for `email` was opened in it. */
export function tokenWithConfirmedEmail(
  keys: { secret: Buffer; now: Date },
  token: string | null,
  email: string,
): string {
  const proof = withConfirmedEmail(keys.secret, readCommenterProof(keys.secret, token, keys.now), email);
  return writeCommenterProof(keys.secret, proof, keys.now);
}

/**
 * Whether the browser behind `proof` has shown that `email` is its writer's: the address was confirmed there,
 * or one of its comments under that address is approved now (so a comment a moderator removed proves nothing).
 */
export async function proofCoversEmail(
  deps: { db: Db; secret: Buffer },
  proof: CommenterProof,
  email: string,
): Promise<boolean> {
  if (proof.emailKeys.includes(emailKey(deps.secret, email))) return true;
  if (proof.commentIds.length === 0) return false;
  return hasApprovedCommentFrom(deps.db, proof.commentIds, commenterEmail(email));
}
