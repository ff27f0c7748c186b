/**
 * Files that live beside the code (the citation style, the demo's content, the reader assets, the browser
 * islands' sources) are found from here: `src/`, also when the code runs from the bundle `dist/annalist.mjs`
 * that bin/annalist.js builds (decision 019), where every module's import.meta.url is the bundle's.
 */
const SRC = new URL(import.meta.url.endsWith('/dist/annalist.mjs') ? '../src/' : './', import.meta.url);

/** The URL of a file under src/, e.g. sourceFile('web/assets/site.css'). */
export function sourceFile(path: string): URL {
  return new URL(path, SRC);
}
