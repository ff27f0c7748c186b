import { utcToZonedLocal } from '../content/zoned-time.ts';
import { escapeMarkup } from '../shared/escape.ts';

/**
 * The small pieces of XML a WXR file is made of, written the way WordPress's own exporter writes them, and a
 * scrubber that drops (and counts) the characters XML 1.0 does not allow, so one stray control character in
 * twenty years of comments cannot make the whole file unreadable.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: this lists the control characters XML 1.0 allows
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Where characters were dropped, for the report on standard error. */
export interface Scrubbed {
  /** Characters removed in all. */
  removed: number;
  /** The first few places ("post 12 content", "comment 40"), so a person can find them. */
  places: string[];
}

const MAX_PLACES = 20;

/** Drops what XML 1.0 forbids from values, counting each character against the place it was found. */
export class XmlScrubber {
  readonly report: Scrubbed = { removed: 0, places: [] };
  /** The place of the values being written now, e.g. "post 12". */
  place = 'channel';

  clean(value: string): string {
    let n = 0;
    const out = value.replace(NOT_XML, () => {
      n++;
      return '';
    });
    if (n > 0) {
      this.report.removed += n;
      if (this.report.places.length < MAX_PLACES && !this.report.places.includes(this.place))
        this.report.places.push(this.place);
    }
    return out;
  }

  /** Text escaped for an element or a double-quoted attribute. */
  text(value: string): string {
    return escapeMarkup(this.clean(value));
  }

  /** A CDATA section as WordPress's wxr_cdata() writes it: every `]]>` split across two sections. */
  cdata(value: string): string {
    return `<![CDATA[${this.clean(value).replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
  }

  /** `<name>text</name>`, escaped. */
  el(name: string, value: string | number): string {
    return `<${name}>${this.text(String(value))}</${name}>`;
  }

  /** `<name><![CDATA[text]]></name>`. */
  cel(name: string, value: string): string {
    return `<${name}>${this.cdata(value)}</${name}>`;
  }
}

/** WordPress's way of writing "no date" in post_date_gmt and friends. */
export const ZERO_DATE = '0000-00-00 00:00:00';
/** The pubDate WordPress writes for an item that has never been published. */
export const ZERO_PUB_DATE = 'Mon, 30 Nov -0001 00:00:00 +0000';

/** "2025-08-20 08:30:00" in UTC, as post_date_gmt and comment_date_gmt hold it. */
export const gmtDate = (iso: string): string => new Date(iso).toISOString().slice(0, 19).replace('T', ' ');

/** The same instant as the site's wall clock shows it, as post_date and comment_date hold it. */
export const localDate = (iso: string, timeZone: string): string =>
  utcToZonedLocal(iso, timeZone, true).replace('T', ' ');

/** RFC 822 date of an RSS pubDate, with the numeric zone WordPress writes. */
export const rssDate = (iso: string): string => new Date(iso).toUTCString().replace(/GMT$/, '+0000');
