import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { TEST_BASE_URL } from './site.ts';

/**
 * A reader's form-token cookie from an app called in process, asked for as the comment island does when the
 * reader starts writing (POST /form-token, decision 035): the `annalist_form=…` pair to send back as a cookie.
 * (Against a real server process: `formToken` in http-client.ts.)
 */
export async function injectFormToken(
  app: FastifyInstance,
  opts: { remoteAddress?: string; origin?: string } = {},
): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/form-token',
    headers: { origin: opts.origin ?? TEST_BASE_URL },
    remoteAddress: opts.remoteAddress,
  });
  assert.equal(res.statusCode, 204, res.body.slice(0, 300));
  const cookie = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('annalist_form='));
  assert.ok(cookie, 'POST /form-token sets the form cookie');
  return cookie.split(';')[0]!;
}
