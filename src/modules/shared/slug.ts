/** A URL slug from a name: lower case, ASCII letters and digits joined by hyphens ("Soviet–Japanese War" -> "soviet-japanese-war"). */
export function slugify(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'untitled'
  );
}

/** What a slug is: lower-case ASCII letters and digits joined by single hyphens (also in the export's schema). */
export const SLUG_PATTERN = '^[a-z0-9]+(?:-[a-z0-9]+)*$';
const SLUG = new RegExp(SLUG_PATTERN);

/** True for strings that can be a slug as they stand. */
export const isSlug = (s: string): boolean => s.length <= 200 && SLUG.test(s);
