/**
 * Exports that are not well-formed, written for the `--repair` tests (test/import/xml-repair*.test.ts): the
 * faults real exports have (a bare `&` in a title, a control character pasted into a post, a code sample whose
 * `]]>` ends WordPress's CDATA early, a nested CDATA, HTML entities in RSS text, a stray character before
 * `<?xml`, an attribute without quotes), each where a reader will look for its text afterwards.
 */
import assert from 'node:assert/strict';

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:junk="http://plugin-leftovers.example/">
<channel>
<title>The Tea Road</title>
<description>Caravans between Kyakhta and Moscow</description>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>http://tea-road.example</wp:base_site_url>
`;

/** Two posts and a comment, with every fault --repair mends. Line 9 holds the first fault (`Furs & tea`). */
export const BROKEN_WXR = `${HEAD}<item>
<title>Furs & tea at Kyakhta</title>
<dc:creator>archivist</dc:creator>
<content:encoded><![CDATA[<p>Every winter the caravans met at Kyakhta, where furs were weighed against brick tea\u0007.</p>
<p>The clerk's tally script checked <code>if (bales[row[0]]> limit)</code> before a caravan left.</p>
<p>His note on the crates read <![CDATA[sealed at Kyakhta]]> and the seals held as far as Irkutsk.</p>]]></content:encoded>
<wp:post_id>101</wp:post_id>
<wp:post_date_gmt>2011-01-10 09:00:00</wp:post_date_gmt>
<wp:post_name>furs-and-tea</wp:post_name>
<wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type>
<wp:comment>
<wp:comment_id>1</wp:comment_id>
<wp:comment_author>Ledger Keeper</wp:comment_author>
<wp:comment_date_gmt>2011-01-11 10:00:00</wp:comment_date_gmt>
<wp:comment_content>Prices rose 3 < 4 times & more in a bad year.</wp:comment_content>
<wp:comment_approved>1</wp:comment_approved>
<wp:comment_parent>0</wp:comment_parent>
</wp:comment>
</item>
<item>
<title>Prices in &rouble;s on the road to Irkutsk&nbsp;&mdash; ninety days&#27;</title>
<dc:creator>archivist</dc:creator>
<content:encoded><![CDATA[<p>From Kyakhta to Irkutsk the sledges took ninety days in a good winter.</p>]]></content:encoded>
<wp:post_id>102</wp:post_id>
<wp:post_date_gmt>2011-02-10 09:00:00</wp:post_date_gmt>
<wp:post_name>ninety-days</wp:post_name>
<wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type>
</item>
</channel>
</rss>
`;

/** A Disqus export of the first post's discussion: a stray backtick before `<?xml`, unquoted ids, a bare `&`. */
export const BROKEN_DISQUS = `\`<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="8101">
    <id>101 http://tea-road.example/?p=101</id>
    <forum>tea-road</forum>
    <link>http://tea-road.example/furs-and-tea/</link>
    <title>Furs & tea at Kyakhta</title>
    <isDeleted>false</isDeleted>
  </thread>
  <post dsq:id="8201">
    <message><![CDATA[<p>My great-grandfather drove camels on this road.</p>]]></message>
    <createdAt>2013-02-01T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted>
    <isSpam>false</isSpam>
    <author><name>Camel & Co.</name><email>camels@readers.example</email></author>
    <thread dsq:id=8101/>
  </post>
  <post dsq:id="8202">
    <message>Bricks of tea&nbsp;were money there.</message>
    <createdAt>2013-02-02T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted>
    <isSpam>false</isSpam>
    <author><name>Tea Historian</name><email>bricks@readers.example</email></author>
    <thread dsq:id="8101"/>
    <parent dsq:id=8201 />
  </post>
</disqus>
`;

/** A DOCTYPE whose entities double ten times over (the "billion laughs" shape, kept small). */
export const ENTITY_BOMB_WXR = `<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY w0 "caravan">
${Array.from({ length: 10 }, (_, i) => `  <!ENTITY w${i + 1} "&w${i};&w${i};">`).join('\n')}
]>
${HEAD.slice(HEAD.indexOf('<rss'))}<item><title>&w10;</title><wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type></item>
</channel>
</rss>
`;

/** An external entity that would read a file of the server's into a post. */
export const EXTERNAL_ENTITY_WXR = `<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
${HEAD.slice(HEAD.indexOf('<rss'))}<item><title>&secret;</title><wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type></item>
</channel>
</rss>
`;

/** `line:column` (from 1) of `needle` in `text`, plus `offset` characters into it. */
export function positionOf(text: string, needle: string, offset = 0): string {
  const k = text.indexOf(needle);
  assert.ok(k >= 0, `${needle} is in the file`);
  const before = text.slice(0, k + offset);
  return `${before.split('\n').length}:${before.length - before.lastIndexOf('\n')}`;
}

/** The same text in chunks of `size` characters (to put chunk boundaries inside every token). */
export async function* inChunks(text: string, size: number): AsyncIterable<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}
