import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { sourceFile } from '../../source-files.ts';

/** A static asset held in memory under a content-hashed name, so it can be cached for a year. */
export interface Asset {
  body: Buffer;
  gzip: Buffer;
  contentType: string;
}

function load(file: string, contentType: string): { name: string; asset: Asset } {
  const body = readFileSync(sourceFile(`web/assets/${file}`));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
  const dot = file.lastIndexOf('.');
  return {
    name: `${file.slice(0, dot)}.${hash}${file.slice(dot)}`,
    asset: { body, gzip: gzipSync(body, { level: 9 }), contentType },
  };
}

/** Browser islands are bundled from src/client at start-up (esbuild, ~50 ms): no build step, no stale bundle. */
function bundle(entry: string): { name: string; asset: Asset } {
  const result = buildSync({
    entryPoints: [fileURLToPath(sourceFile(`client/${entry}`))],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    write: false,
    legalComments: 'none',
  });
  const body = Buffer.from(result.outputFiles[0]!.contents);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
  const base = entry.replace(/\.ts$/, '');
  return {
    name: `${base}.${hash}.js`,
    asset: { body, gzip: gzipSync(body, { level: 9 }), contentType: 'text/javascript; charset=utf-8' },
  };
}

const css = load('site.css', 'text/css; charset=utf-8');
const commentsJs = bundle('comments.ts');
const editorJs = bundle('editor.ts');
const correctionsJs = bundle('corrections.ts');
const footnotesJs = bundle('footnotes.ts');
const mentionCardsJs = bundle('mention-cards.ts');
const staticSearchJs = bundle('static-search.ts');
const importJs = bundle('import-progress.ts');
const placeMapJs = bundle('place-map.ts');
const timelineJs = bundle('timeline.ts');
const mediaJs = bundle('media-upload.ts');
const icon = load('favicon.svg', 'image/svg+xml');
const adminCss = load('admin.css', 'text/css; charset=utf-8');

export const STYLESHEET_URL = `/assets/${css.name}`;
export const FAVICON_URL = `/assets/${icon.name}`;
/** Extra rules for the administration pages, loaded after the site's stylesheet. */
export const ADMIN_STYLESHEET_URL = `/assets/${adminCss.name}`;
export const COMMENTS_SCRIPT_URL = `/assets/${commentsJs.name}`;
/** The post editor's island: live preview, autosave, distraction-free mode. */
export const EDITOR_SCRIPT_URL = `/assets/${editorJs.name}`;
/** The article's "Suggest a correction" island: a button beside selected text. */
export const CORRECTIONS_SCRIPT_URL = `/assets/${correctionsJs.name}`;
/** The article's note previews: a marker shows its note in a popover beside it (issue 16). */
export const FOOTNOTES_SCRIPT_URL = `/assets/${footnotesJs.name}`;
/** The article's mention cards: a mention shows its entity's card beside it (issue 17). */
export const MENTION_CARDS_SCRIPT_URL = `/assets/${mentionCardsJs.name}`;
/** The search island of a static copy (`annalist export static`): searches a prebuilt index in the browser. */
export const STATIC_SEARCH_SCRIPT_URL = `/assets/${staticSearchJs.name}`;
/** /admin/import's progress island: the bar moves while a dry run or an import runs. */
export const IMPORT_SCRIPT_URL = `/assets/${importJs.name}`;
/** The timeline chart's island: enlarge, reduce and move the chart (issue 17). */
export const TIMELINE_SCRIPT_URL = `/assets/${timelineJs.name}`;
/** The media library's upload island: the alt text asked for before the file is sent (issue 16). */
export const MEDIA_SCRIPT_URL = `/assets/${mediaJs.name}`;
/** The place form's map island: a click sets the point, or adds to a line being drawn (decision 043). */
export const PLACE_MAP_SCRIPT_URL = `/assets/${placeMapJs.name}`;
export const ASSETS = new Map<string, Asset>([
  [placeMapJs.name, placeMapJs.asset],
  [mediaJs.name, mediaJs.asset],
  [timelineJs.name, timelineJs.asset],
  [staticSearchJs.name, staticSearchJs.asset],
  [commentsJs.name, commentsJs.asset],
  [editorJs.name, editorJs.asset],
  [correctionsJs.name, correctionsJs.asset],
  [footnotesJs.name, footnotesJs.asset],
  [mentionCardsJs.name, mentionCardsJs.asset],
  [importJs.name, importJs.asset],
  [css.name, css.asset],
  [icon.name, icon.asset],
  [adminCss.name, adminCss.asset],
]);
