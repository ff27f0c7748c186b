/**
 * Import files written for the /admin/import tests (an invented almanac of the Baltic trade), made to measure:
 * a WordPress export of N articles with their comments, a Disqus export, a Ghost export; and the multipart body
 * a browser sends for the upload form.
 */

export const OLD_SITE = 'http://almanac.example';

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The slug of the n-th article of `almanacWxr` (from 1). */
export const almanacSlug = (n: number) => (n === 1 ? 'hanseatic-herring' : `baltic-note-${n}`);

/**
 * A WordPress (WXR 1.2) export: `posts` articles in a small category tree, each with `comments` comments (every
 * second one a reply to the one before it). `padding` words make each body longer (a large file for the slow
 * imports). Article 1 is "The Herring of the Hanse", dated 12 March 2011, old id 501.
 */
export function almanacWxr(opts: { posts?: number; comments?: number; padding?: number } = {}): string {
  const posts = opts.posts ?? 1;
  const comments = opts.comments ?? 2;
  const padding = ' The ledgers of Lübeck and Visby record the barrels, the salt and the ships.'.repeat(
    opts.padding ?? 0,
  );
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">',
    '<channel>',
    '<title>The Baltic Almanac</title>',
    `<link>${OLD_SITE}</link>`,
    '<description>Trade and towns of the Baltic, 1200–1700</description>',
    '<wp:wxr_version>1.2</wp:wxr_version>',
    `<wp:base_site_url>${OLD_SITE}</wp:base_site_url>`,
    `<wp:base_blog_url>${OLD_SITE}</wp:base_blog_url>`,
    '<wp:author><wp:author_id>3</wp:author_id><wp:author_login>margit</wp:author_login><wp:author_display_name><![CDATA[Margit Lindqvist]]></wp:author_display_name></wp:author>',
    '<wp:category><wp:term_id>40</wp:term_id><wp:category_nicename>hanse</wp:category_nicename><wp:category_parent>trade</wp:category_parent><wp:cat_name><![CDATA[The Hanse]]></wp:cat_name></wp:category>',
    '<wp:category><wp:term_id>41</wp:term_id><wp:category_nicename>trade</wp:category_nicename><wp:category_parent></wp:category_parent><wp:cat_name><![CDATA[Trade]]></wp:cat_name></wp:category>',
  ];
  let commentId = 0;
  for (let n = 1; n <= posts; n++) {
    const id = 500 + n;
    const slug = almanacSlug(n);
    const day = String((n % 28) + 1).padStart(2, '0');
    const title = n === 1 ? 'The Herring of the Hanse' : `Baltic note ${n}`;
    const date = n === 1 ? '2011-03-12' : `2011-04-${day}`;
    out.push(
      '<item>',
      `<title>${escapeXml(title)}</title>`,
      `<link>${OLD_SITE}/${date.slice(0, 4)}/${date.slice(5, 7)}/${date.slice(8, 10)}/${slug}/</link>`,
      '<dc:creator><![CDATA[margit]]></dc:creator>',
      `<content:encoded><![CDATA[Salted herring from the Scania markets fed half of Europe in Lent (note ${n}).${padding}]]></content:encoded>`,
      `<wp:post_id>${id}</wp:post_id>`,
      `<wp:post_date_gmt>${date} 09:30:00</wp:post_date_gmt>`,
      `<wp:post_name>${slug}</wp:post_name>`,
      '<wp:status>publish</wp:status>',
      '<wp:post_type>post</wp:post_type>',
      '<wp:comment_status>open</wp:comment_status>',
      '<category domain="category" nicename="hanse"><![CDATA[The Hanse]]></category>',
    );
    for (let c = 1; c <= comments; c++) {
      commentId++;
      const parent = c % 2 === 0 ? commentId - 1 : 0;
      out.push(
        '<wp:comment>',
        `<wp:comment_id>${commentId}</wp:comment_id>`,
        `<wp:comment_author><![CDATA[Reader ${commentId}]]></wp:comment_author>`,
        `<wp:comment_author_email>reader${commentId}@readers.example</wp:comment_author_email>`,
        `<wp:comment_date_gmt>${date} 12:${String(c % 60).padStart(2, '0')}:00</wp:comment_date_gmt>`,
        `<wp:comment_content><![CDATA[Comment ${commentId} on the herring trade: was Bergen part of it?]]></wp:comment_content>`,
        '<wp:comment_approved>1</wp:comment_approved>',
        `<wp:comment_parent>${parent}</wp:comment_parent>`,
        '</wp:comment>',
      );
    }
    out.push('</item>');
  }
  out.push('</channel>', '</rss>', '');
  return out.join('\n');
}

/** A Disqus export of one thread on article 1 of `almanacWxr`, with two comments. */
export function almanacDisqus(): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="9100">
    <id>501 ${OLD_SITE}/?p=501</id>
    <link>${OLD_SITE}/2011/03/12/hanseatic-herring/</link>
    <title>The Herring of the Hanse</title>
  </thread>
  <post dsq:id="9201">
    <message><![CDATA[<p>Disqus remembers this one about Visby.</p>]]></message>
    <createdAt>2012-01-05T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted>
    <isSpam>false</isSpam>
    <author><email>visby@readers.example</email><name>Visby Fan</name><isAnonymous>false</isAnonymous></author>
    <thread dsq:id="9100"/>
  </post>
</disqus>
`;
}

/** A Ghost 5 export with one post. */
export function almanacGhost(): string {
  return JSON.stringify({
    db: [
      {
        meta: { exported_on: 1700000000000, version: '5.80.0' },
        data: {
          posts: [
            {
              id: 'g1',
              uuid: 'u1',
              title: 'Amber Roads',
              slug: 'amber-roads',
              html: '<p>Amber went south along the rivers.</p>',
              status: 'published',
              type: 'post',
              published_at: '2020-05-01T10:00:00.000Z',
              created_at: '2020-05-01T10:00:00.000Z',
              updated_at: '2020-05-01T10:00:00.000Z',
            },
          ],
          tags: [],
          users: [],
          posts_tags: [],
          posts_authors: [],
          posts_meta: [],
          settings: [],
        },
      },
    ],
  });
}

/** The body a browser sends for a multipart form: the fields in order, then one file. */
export function multipartBody(
  fields: Record<string, string>,
  file: { name: string; bytes: Buffer | string; type?: string } | undefined,
): { payload: Buffer; contentType: string } {
  const boundary = `----annalist-test-${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file)
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      Buffer.isBuffer(file.bytes) ? file.bytes : Buffer.from(file.bytes),
      Buffer.from('\r\n'),
    );
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
