import type { Db } from '../../storage/schema.ts';
import { normaliseEmail } from '../accounts/accounts.service.ts';
import { insertUser } from '../accounts/user.repository.ts';
import { listAuthorNames } from './demo.repository.ts';

/**
 * Accounts for the demo's bylines that take part in its discussion (by name: Elena Markova answers readers under
 * her article), so their comments carry the "Author" badge as a real author's would. Each is disabled and has no
 * password: nobody can sign in as it, and it does not count as someone the owner invited (first-run.service.ts).
 * An owner who wants the account enables it under Users and sends its sign-in link.
 * Returns the account of each such commenter, by the name they comment under.
 */
export async function seedBylineAccounts(
  deps: { db: Db; now: string },
  commenters: readonly { author: string; email: string }[],
): Promise<Map<string, number>> {
  const accounts = new Map<string, number>();
  const bylines = await listAuthorNames(deps.db);
  for (const c of commenters) {
    const byline = bylines.find((b) => b.name === c.author);
    if (!byline || accounts.has(c.author)) continue;
    const id = await insertUser(deps.db, {
      email: normaliseEmail(c.email),
      name: c.author,
      role: 'author',
      password_hash: null,
      created_at: deps.now,
      disabled_at: deps.now,
      author_id: byline.id,
    });
    accounts.set(c.author, id);
  }
  return accounts;
}
