import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/** A static asset held in memory under a content-hashed name, so it can be cached for a year. */
export interface Asset {
  body: Buffer;
  gzip: Buffer;
  contentType: string;
}

function load(file: string, contentType: string): { name: string; asset: Asset } {
  const body = readFileSync(new URL(`./assets/${file}`, import.meta.url));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
  const dot = file.lastIndexOf('.');
  return {
    name: `${file.slice(0, dot)}.${hash}${file.slice(dot)}`,
    asset: { body, gzip: gzipSync(body, { level: 9 }), contentType },
  };
}

const css = load('site.css', 'text/css; charset=utf-8');
const icon = load('favicon.svg', 'image/svg+xml');
const adminCss = load('admin.css', 'text/css; charset=utf-8');

export const STYLESHEET_URL = `/assets/${css.name}`;
export const FAVICON_URL = `/assets/${icon.name}`;
/** Extra rules for the administration pages, loaded after the site's stylesheet. */
export const ADMIN_STYLESHEET_URL = `/assets/${adminCss.name}`;
export const ASSETS = new Map<string, Asset>([
  [css.name, css.asset],
  [icon.name, icon.asset],
  [adminCss.name, adminCss.asset],
]);
