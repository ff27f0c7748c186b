/**
 * An item's search-engine title and description from the SEO plugin's post meta: Yoast SEO
 * (`_yoast_wpseo_title`, `_yoast_wpseo_metadesc`), All in One SEO 4 (`_aioseo_title`, `_aioseo_description`) and
 * its older versions (`_aioseop_title`, `_aioseop_description`). Both plugins write templates: Yoast's `%%title%%`
 * and AIOSEO's `#post_title` variables are filled in with what they name here; the site's name is dropped (every
 * page title here ends with it already), as is a variable with no counterpart (`%%page%%`, `#author_name`), and
 * the separators left at either end with them. A title that comes out as the post's own title is none.
 */

const TITLE_KEYS = ['_yoast_wpseo_title', '_aioseo_title', '_aioseop_title'];
const DESCRIPTION_KEYS = ['_yoast_wpseo_metadesc', '_aioseo_description', '_aioseop_description'];

/** What a template's variables can stand for. */
export interface SeoContext {
  title: string;
  excerpt: string;
  tagline: string;
}

const SEPARATOR = '–';

function variable(name: string, ctx: SeoContext): string {
  switch (name) {
    case 'title':
    case 'post_title':
      return ctx.title;
    case 'sitedesc':
    case 'tagline':
      return ctx.tagline;
    case 'excerpt':
    case 'excerpt_only':
    case 'post_excerpt':
      return ctx.excerpt;
    case 'sep':
    case 'separator_sa':
      return SEPARATOR;
    default:
      return '';
  }
}

/** A template with its variables filled in; plain text, spacing tidied, no separator left dangling. */
export function fillSeoTemplate(template: string, ctx: SeoContext): string {
  return template
    .replace(/%%([a-z_]+)%%/gi, (_, name: string) => variable(name.toLowerCase(), ctx))
    .replace(/#([a-z_]+)/gi, (whole, name: string) => (isAioseoTag(name) ? variable(name.toLowerCase(), ctx) : whole))
    .replace(/\s+/g, ' ')
    .replace(new RegExp(`^(?:\\s*[${SEPARATOR}|\\-·:]\\s*)+|(?:\\s*[${SEPARATOR}|\\-·:]\\s*)+$`, 'g'), '')
    .trim();
}

const AIOSEO_TAGS =
  /^(?:post_title|site_title|tagline|post_excerpt|separator_sa|author_name|author_first_name|author_last_name|categories|post_date|post_day|post_month|post_year|current_date|current_year|permalink|taxonomy_title|post_content)$/i;
const isAioseoTag = (name: string) => AIOSEO_TAGS.test(name);

const firstOf = (meta: Map<string, string>, keys: string[]) =>
  keys.map((k) => meta.get(k)?.trim() ?? '').find((v) => v !== '') ?? '';

/** The SEO title and description an item's meta gives, filled in; '' where none is set. */
export function seoFields(meta: Map<string, string>, ctx: SeoContext): { title: string; description: string } {
  const title = fillSeoTemplate(firstOf(meta, TITLE_KEYS), ctx);
  return {
    title: title === ctx.title ? '' : title,
    description: fillSeoTemplate(firstOf(meta, DESCRIPTION_KEYS), ctx),
  };
}
