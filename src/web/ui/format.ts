/** Formatting helpers shared by the views; they never build HTML. */
const dateFormats = new Map<string, Intl.DateTimeFormat>();
// Intl formatting is slow next to the rest of a page, and every list shows the same dates: each is formatted once.
const formattedDates = new Map<string, string>();

export function formatDate(iso: string, locale: string, timeZone: string): string {
  const key = `${locale}|${timeZone}`;
  const stamp = `${key}|${iso}`;
  let text = formattedDates.get(stamp);
  if (text !== undefined) return text;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone });
    dateFormats.set(key, f);
  }
  text = f.format(new Date(iso));
  if (formattedDates.size >= 5000) formattedDates.delete(formattedDates.keys().next().value as string);
  formattedDates.set(stamp, text);
  return text;
}

const monthFormats = new Map<string, Intl.DateTimeFormat>();
// Intl formatting is slow next to the rest of a page: each month is formatted once.
const formattedMonths = new Map<string, string>();

export function formatMonth(month: string, locale: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  let f = monthFormats.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' });
    monthFormats.set(locale, f);
  }
  const key = `${locale}|${month}`;
  let text = formattedMonths.get(key);
  if (text === undefined) {
    text = f.format(new Date(Date.UTC(y, m - 1, 1)));
    if (formattedMonths.size >= 5000) formattedMonths.delete(formattedMonths.keys().next().value as string);
    formattedMonths.set(key, text);
  }
  return text;
}

export const categoryUrl = (path: string) => `/category/${path}/`;
export const postUrl = (slug: string) => `/${slug}/`;
export const tagUrl = (slug: string) => `/tag/${slug}/`;
export const authorUrl = (slug: string) => `/author/${slug}/`;
export const monthUrl = (month: string) => `/${month.replace('-', '/')}/`;

/** Only site-relative and http(s) URLs reach an attribute; anything else (javascript:, data:) becomes "#". */
export function safeHref(url: string): string {
  return /^(https?:\/\/|\/(?!\/)|#)/i.test(url) ? url : '#';
}
