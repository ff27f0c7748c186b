/**
 * Where each address of the site lives in a static copy (`annalist export static`): the app's addresses (a path
 * and at most a page number) become plain paths a file server answers without a query string, each page a
 * folder with its `index.html`. Pure functions: no HTTP, no file system.
 */

/** The query parameters that name another page of the same list; any other query needs the server. */
const PAGING: Record<string, string> = { page: 'page', cpage: 'comment-page' };

/** Paths only the running server can answer (forms, sign-in, the API, the comment report page). */
const SERVER_ONLY = [
  /^\/admin(\/|$)/,
  /^\/api(\/|$)/,
  /^\/notifications(\/|$)/,
  /^\/healthz$/,
  /^\/comments\/\d+\/report\/?$/,
  /^\/[^/]+\/corrections\/(new|sent)\/?$/,
  /^\/[^/]+\/comments\/?$/,
];

/** The app's address of a link target, with its page query folded into the path: `/tag/x/?page=2` -> `/tag/x/page/2/`. */
export interface StaticAddress {
  /** What to ask the app for (path and the paging query, if any). */
  request: string;
  /** The address in the copy, a path without a query. */
  address: string;
}

/**
 * Reads a same-site path and query (already split from the origin) into the address it has in the copy, or
 * undefined when it needs the server: a form, the admin, or a query other than one page number.
 */
export function staticAddressOf(pathname: string, search: string): StaticAddress | undefined {
  if (!pathname.startsWith('/') || SERVER_ONLY.some((re) => re.test(pathname))) return undefined;
  if (!isSafePath(pathname)) return undefined;
  const params = [...new URLSearchParams(search)];
  if (params.length === 0) return { request: pathname, address: pathname };
  if (params.length > 1) return undefined;
  const [name, value] = params[0]!;
  const folder = PAGING[name];
  if (!folder || !/^[1-9]\d{0,5}$/.test(value) || !pathname.endsWith('/')) return undefined;
  if (value === '1') return { request: pathname, address: pathname };
  return { request: `${pathname}?${name}=${value}`, address: `${pathname}${folder}/${value}/` };
}

/** No `.`/`..` segment, no backslash, no NUL, no empty segment inside: the path cannot leave the copy's folder. */
function isSafePath(pathname: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  if (/[\\\0]/.test(decoded)) return false;
  const segments = decoded.split('/').slice(1);
  return segments.every((s, i) => (s === '' ? i === segments.length - 1 : s !== '.' && s !== '..'));
}

/** How a response is kept in the copy: its file (relative to the copy's folder) and the path links should use. */
export interface StaticFile {
  /** e.g. `khalkhin-gol-1939/index.html`, `feed/index.xml`, `assets/site.1a2b.css` (decoded, `/`-separated). */
  file: string;
  /** The path a link points at: the folder for a page (`/about/`), the file itself for anything else. */
  linkPath: string;
  html: boolean;
}

const XML_TYPES = /^(application\/(rss\+xml|atom\+xml|xml)|text\/xml)\b/;
const JSON_TYPES = /^application\/(feed\+)?json\b/;

/**
 * The file an address is written to, from the content type it was answered with: a page at `/x/` is
 * `x/index.html` (and so is a page at `/search`, which links then reach as `/search/`); a feed at a folder
 * address is `index.xml` (JSON: `index.json`); an address that names a file keeps its name.
 */
export function staticFileOf(address: string, contentType: string): StaticFile {
  const html = /^text\/html\b/.test(contentType);
  const decoded = decodeURIComponent(address);
  if (address.endsWith('/') || (html && !/\.[a-z0-9]+$/i.test(address))) {
    const folder = address.endsWith('/') ? address : `${address}/`;
    const index = html
      ? 'index.html'
      : XML_TYPES.test(contentType)
        ? 'index.xml'
        : JSON_TYPES.test(contentType)
          ? 'index.json'
          : 'index';
    const dir = decodeURIComponent(folder).slice(1);
    // A page's link is its folder (a file server answers it with index.html); anything else is named in full,
    // so a server that knows only index.html still finds it.
    return { file: dir + index, linkPath: html ? folder : folder + index, html };
  }
  return { file: decoded.slice(1), linkPath: address, html };
}

/**
 * A link from the page at `from` (a path in the copy) to `to` (a path in the copy), relative: `../tag/x/`;
 * `./` for the folder itself. A fragment is kept; a link to the page itself with a fragment is the fragment.
 */
export function relativeLink(from: string, to: string, fragment = ''): string {
  if (to === from && fragment) return fragment;
  const fromDir = from
    .slice(0, from.lastIndexOf('/') + 1)
    .split('/')
    .slice(1, -1);
  const toParts = to.split('/').slice(1);
  let common = 0;
  while (common < fromDir.length && common < toParts.length - 1 && fromDir[common] === toParts[common]) common++;
  const up = '../'.repeat(fromDir.length - common);
  const rest = toParts.slice(common).join('/');
  return (up + rest || './') + fragment;
}
