import http from 'node:http';

/**
 * A reader's HTTP client for tests against real `annalist serve` processes: a fresh connection per request
 * (so a load balancer or cluster may hand each to another process) and the comment form's cookie chain.
 */

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function send(
  url: string,
  opts: { method: string; headers?: Record<string, string>; body?: string; localAddress?: string; timeoutMs?: number },
): Promise<HttpAnswer> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    // agent: false: every request is a new connection. A connection cut by a kill may never answer: after the
    // timeout it counts as not acknowledged.
    const req = http.request(
      url,
      { method: opts.method, headers: opts.headers, localAddress: opts.localAddress, agent: false, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.end(opts.body);
  });
}

export function get(url: string, opts: { headers?: Record<string, string>; localAddress?: string } = {}) {
  return send(url, { method: 'GET', ...opts });
}

/** The `annalist_form=…` pair of a form-token cookie an answer sets (POST /form-token, a post's answer). */
export const formCookie = (h: http.IncomingHttpHeaders): string | undefined =>
  (h['set-cookie'] ?? []).find((c) => c.startsWith('annalist_form='))?.split(';')[0];

/**
 * A reader's form token, asked for as the comment island does when the reader starts writing (POST /form-token,
 * decision 035): the `annalist_form=…` pair to send back as a cookie.
 */
export async function formToken(base: string, opts: { localAddress?: string; origin?: string } = {}): Promise<string> {
  const res = await send(`${base}/form-token`, {
    method: 'POST',
    localAddress: opts.localAddress,
    headers: { origin: opts.origin ?? base },
  });
  const cookie = formCookie(res.headers);
  if (res.status !== 204 || !cookie) throw new Error(`${base}/form-token gave no form token (status ${res.status})`);
  return cookie;
}

/**
 * Posts a comment as a reader does: a form token (POST /form-token), then the form. Resolves to the new
 * comment's id and the address that shows it when the site acknowledged it (303 to /<slug>/?cpage=P#comment-N),
 * else an undefined id with the answer's status.
 */
export async function postComment(
  base: string,
  article: string,
  comment: { name: string; email: string; body: string },
  /** pageBase: where the form token comes from, when not `base` (another node). */
  opts: { localAddress?: string; origin?: string; pageBase?: string } = {},
): Promise<{ id: number | undefined; status: number; location: string }> {
  const cookie = await formToken(opts.pageBase ?? base, { localAddress: opts.localAddress, origin: opts.origin });
  const res = await send(`${base}${article}comments`, {
    method: 'POST',
    localAddress: opts.localAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: opts.origin ?? base, cookie },
    body: new URLSearchParams(comment).toString(),
  });
  const location = String(res.headers.location ?? '');
  const id = res.status === 303 && location.includes('#comment-') ? Number(location.split('#comment-')[1]) : undefined;
  return { id, status: res.status, location };
}
