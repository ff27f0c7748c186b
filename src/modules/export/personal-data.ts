import type { CollectionName } from './export-schema.ts';

/**
 * The JSON export without personal data (`includePersonalData: false`, for people who may not see readers'
 * addresses): every reader's email address and the email and IP addresses on the ban list are left out, also
 * where a moderation reason quotes a ban. Comments and suggestions keep their place with an empty email; the
 * commenters collection (addresses and mail choices) and email and IP bans are left out whole. Staff accounts
 * keep theirs: they sign in with it. Undefined means "leave the item out".
 */
export function withoutPersonalData(collection: CollectionName, item: unknown): unknown {
  switch (collection) {
    case 'commenters':
      return undefined;
    case 'bans': {
      const kind = (item as { kind?: unknown }).kind;
      return kind === 'email' || kind === 'ip' ? undefined : item;
    }
    case 'comments':
    case 'suggestions': {
      const { moderation_reasons: reasons, ...rest } = item as {
        author_email: string;
        moderation_reasons?: Record<string, unknown>[];
      };
      return { ...rest, author_email: '', moderation_reasons: (reasons ?? []).map(withoutQuotedBan) };
    }
    default:
      return item;
  }
}

const QUOTES_A_BAN = new Set(['BANNED_EMAIL', 'BANNED_IP']);

/** 'The email address "x@example.org" is on the ban list.' without the address. */
function withoutQuotedBan(reason: Record<string, unknown>): Record<string, unknown> {
  if (!QUOTES_A_BAN.has(String(reason.code)) || typeof reason.message !== 'string') return reason;
  return { ...reason, message: reason.message.replace(/ "[^"]*"/g, '') };
}
