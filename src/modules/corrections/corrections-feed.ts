import { xml } from '../feeds/feed.service.ts';
import type { SiteSettings } from '../settings/settings.service.ts';
import type { SiteCorrectionEntry } from './corrections-log.types.ts';

/** Where the site-wide log and its feed live. */
export const CORRECTIONS_PATH = '/corrections/';
export const CORRECTIONS_FEED_PATH = '/corrections/feed.xml';

const KIND: Record<SiteCorrectionEntry['kind'], string> = { correction: 'Correction', update: 'Update' };

/** The entry's words as plain text: what changed, why, source, credit. */
function entryText(e: SiteCorrectionEntry): string {
  return [
    `What changed: ${e.summary}`,
    e.reason ? `Why: ${e.reason}` : '',
    e.sourceText ? `Source: ${e.sourceText}` : '',
    e.creditName ? `Suggested by ${e.creditName}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * The site-wide corrections log as an Atom 1.0 feed, newest first (`entries` in that order). Everything typed
 * by editors or readers is escaped; each entry links to the version of the article that carries the change.
 */
export function buildCorrectionsFeed(input: { site: SiteSettings; baseUrl: string; entries: SiteCorrectionEntry[] }) {
  const { site, baseUrl, entries } = input;
  const updated = entries[0]?.createdAt ?? '1970-01-01T00:00:00.000Z';
  const items = entries.map((e) => {
    const article = `${baseUrl}/${e.post.slug}/`;
    const link = e.revisionNumber !== null ? `${article}revisions/${e.revisionNumber}/` : `${article}#corrections`;
    return `  <entry>
    <title type="text">${xml(`${KIND[e.kind]}: ${e.post.title}`)}</title>
    <id>${xml(`${article}#correction-${e.id}`)}</id>
    <link rel="alternate" type="text/html" href="${xml(link)}"/>
    <link rel="related" type="text/html" href="${xml(article)}"/>
    <published>${e.createdAt}</published>
    <updated>${e.createdAt}</updated>
    <summary type="text">${xml(entryText(e))}</summary>
  </entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${xml(site.locale)}">
  <title type="text">${xml(`Corrections and updates · ${site.title}`)}</title>
  <id>${xml(baseUrl + CORRECTIONS_PATH)}</id>
  <link rel="alternate" type="text/html" href="${xml(baseUrl + CORRECTIONS_PATH)}"/>
  <link rel="self" type="application/atom+xml" href="${xml(baseUrl + CORRECTIONS_FEED_PATH)}"/>
  <updated>${updated}</updated>
  <author><name>${xml(site.title)}</name></author>
  <generator>Annalist</generator>
${items.join('\n')}
</feed>
`;
}
