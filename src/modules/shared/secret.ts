import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../storage/schema.ts';
import { readSetting, writeSettingOnce } from './settings.repository.ts';

const SECRET_KEY = 'secret.hmac';

/**
 * The site's signing key: made once, at random, and kept in the database so that every app process signs
 * and checks the same tokens. Never shown, never sent.
 */
export async function getSiteSecret(db: Db): Promise<Buffer> {
  const found = await findSiteSecret(db);
  if (found) return found;
  const fresh = randomBytes(32).toString('base64url');
  await writeSettingOnce(db, SECRET_KEY, JSON.stringify(fresh));
  return getSiteSecret(db);
}

/** The site's signing key when it has one yet, without making one (a site opened read-only). */
export async function findSiteSecret(db: Db): Promise<Buffer | undefined> {
  const stored = await readSetting(db, SECRET_KEY);
  return stored === undefined ? undefined : Buffer.from(JSON.parse(stored) as string, 'base64url');
}

/** A token that says `payload` for `purpose`, signed with the site secret: `payload.signature`, URL-safe. */
export function signToken(secret: Buffer, purpose: string, payload: string): string {
  const body = Buffer.from(payload).toString('base64url');
  const mac = createHmac('sha256', secret).update(`${purpose}\n${body}`).digest('base64url').slice(0, 32);
  return `${body}.${mac}`;
}

/** The payload of a token signed for `purpose`, or undefined when it was not (tampered, other purpose, garbage). */
export function verifyToken(secret: Buffer, purpose: string, token: string): string | undefined {
  if (typeof token !== 'string' || token.length > 2000) return undefined;
  const dot = token.lastIndexOf('.');
  if (dot < 1) return undefined;
  const body = token.slice(0, dot);
  const expected = createHmac('sha256', secret).update(`${purpose}\n${body}`).digest('base64url').slice(0, 32);
  const given = Buffer.from(token.slice(dot + 1));
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) return undefined;
  return Buffer.from(body, 'base64url').toString();
}
