import type { Db } from '../../storage/schema.ts';
import { pingDatabase } from './health.repository.ts';

/** What a load balancer's health check learns: the database answers within `timeoutMs`, or why not. */
export type Health = { ok: true } | { ok: false; problem: string };

/**
 * One trivial query against the site's database. A node whose database does not answer is taken out of the
 * load balancer's rotation instead of answering readers with error pages.
 */
export async function checkHealth(deps: { db: Db }, timeoutMs = 2000): Promise<Health> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Health>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, problem: `the database did not answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const query = pingDatabase(deps.db)
    .then((): Health => ({ ok: true }))
    .catch((): Health => ({ ok: false, problem: 'the database cannot be reached' }));
  try {
    return await Promise.race([query, late]);
  } finally {
    clearTimeout(timer);
  }
}
