import type { Db } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import type { GenerationMemo } from '../shared/generation-memo.ts';
import { readSetting, writeSetting } from '../shared/settings.repository.ts';
import { DEFAULT_MODERATION, type ModerationSettings } from './moderation.types.ts';

/** The settings row holding the moderation settings, as one JSON object. */
const KEY = 'moderation';

/**
 * The well-typed entries of a stored (or submitted) object: numbers finite and not negative, booleans,
 * word lists of strings (trimmed, empty ones dropped). Anything else, and unknown keys, are left out.
 */
function validEntries(raw: unknown): Partial<ModerationSettings> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(DEFAULT_MODERATION, key)) continue;
    const fallback: unknown = DEFAULT_MODERATION[key as keyof ModerationSettings];
    if (Array.isArray(fallback)) {
      if (Array.isArray(value) && value.every((w) => typeof w === 'string')) {
        out[key] = value.map((w: string) => w.trim()).filter(Boolean);
      }
    } else if (typeof fallback === 'number') {
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) out[key] = value;
    } else if (typeof value === typeof fallback) {
      out[key] = value;
    }
  }
  return out as Partial<ModerationSettings>;
}

async function readStored(db: Db): Promise<Partial<ModerationSettings>> {
  const stored = await readSetting(db, KEY);
  if (stored === undefined) return {};
  try {
    return validEntries(JSON.parse(stored));
  } catch {
    return {}; // a hand-edited value that is not JSON keeps the defaults
  }
}

/**
 * The moderation settings: what is stored, where well-typed, over DEFAULT_MODERATION. Every article page asks:
 * with `deps.memo` (outside a transaction) they are read once and kept until a change to everything (saving
 * them is one); each caller gets its own copy.
 */
export async function getModerationSettings(deps: { db: Db; memo?: GenerationMemo }): Promise<ModerationSettings> {
  const read = async () => ({ ...DEFAULT_MODERATION, ...(await readStored(deps.db)) });
  if (!deps.memo || deps.db.isTransaction) return read();
  return { ...(await deps.memo('moderation-settings', read, [])) };
}

/**
 * Changes some moderation settings, keeping the others. Only the values someone set are stored, so a
 * setting never changed follows DEFAULT_MODERATION if a later version changes it.
 */
export async function saveModerationSettings(
  deps: { db: Db; noteWrite: () => void },
  changes: Partial<ModerationSettings>,
): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const value = JSON.stringify({ ...(await readStored(trx)), ...validEntries(changes) });
    await writeSetting(trx, KEY, value);
  });
  deps.noteWrite();
}
