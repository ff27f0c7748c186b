import type { TestSite } from './site.ts';
import { TEST_BASE_URL } from './site.ts';
import type { Person } from './staff-client.ts';

/** A file as the upload form's file field sends it. */
export interface UploadFile {
  name: string;
  type: string;
  bytes: Uint8Array;
}

/**
 * The media library's upload form as a browser sends it (multipart, the CSRF token in the address): `fields` are
 * its text fields (alt, decorative, caption, credit, kept), `file` the chosen file, when one is.
 */
export async function uploadMedia(
  t: TestSite,
  who: Person,
  opts: { file?: UploadFile; fields: Record<string, string> },
) {
  const form = new FormData();
  if (opts.file)
    form.append('file', new Blob([Buffer.from(opts.file.bytes)], { type: opts.file.type }), opts.file.name);
  for (const [k, v] of Object.entries(opts.fields)) form.append(k, v);
  const request = new Request('http://x/', { method: 'POST', body: form });
  return t.app.inject({
    method: 'POST',
    url: `/admin/media?csrf=${encodeURIComponent(who.csrf)}`,
    headers: { cookie: who.cookie, origin: TEST_BASE_URL, 'content-type': request.headers.get('content-type')! },
    payload: Buffer.from(await request.arrayBuffer()),
  });
}
