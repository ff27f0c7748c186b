#!/usr/bin/env node
// `npm run check:csl`: renders the hand-checked citation table (test/fixtures/citations/) through the official
// CSL styles — Chicago 17th edition notes-bibliography and APA 7th edition, read at run time from
// ../shared/fixtures/csl/ (CC BY-SA: never copied into this project) or the folder ANNALIST_CSL_FIXTURES names —
// and through our own, and lists every string where either departs from the table. Prints a summary of how many
// strings each matches. Exits 0: the differences are for reading, not a gate.
import { readFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';

const here = import.meta.url;
const load = (path) => tsImport(new URL(path, here).href, here);
const [{ plugins }, , { ITEMS }, { MANUAL_TABLE }, { citationResolver }, { sentenceCase }] = await Promise.all([
  import('@citation-js/core'),
  import('@citation-js/plugin-csl'),
  load('../test/fixtures/citations/manual-items.ts'),
  load('../test/fixtures/citations/manual-table.ts'),
  load('../src/modules/sources/citation-format.ts'),
  load('../src/modules/sources/prepare-item.ts'),
]);

const folder = new URL(process.env.ANNALIST_CSL_FIXTURES ?? '../../shared/fixtures/csl/', here);
const OFFICIAL = {
  chicago: { name: 'official-chicago-17', file: 'chicago-notes-bibliography-17th-edition.csl' },
  apa: { name: 'official-apa-7', file: 'apa.csl' },
};
const csl = plugins.config.get('@csl');
for (const { name, file } of Object.values(OFFICIAL)) {
  if (!csl.styles.has(name)) csl.styles.add(name, readFileSync(new URL(file, folder), 'utf8'));
}

/**
 * The item as the official styles expect CSL-JSON: titles stored in sentence case, proper nouns protected by
 * citeproc's nocase markup (they apply headline case themselves where the style wants it).
 */
function officialItem(item) {
  const out = { ...item };
  for (const field of ['title', 'container-title', 'reviewed-title', 'translated-title']) {
    const value = out[field];
    if (typeof value !== 'string') continue;
    const protectedWords = [...value.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]);
    const english = typeof item.language !== 'string' || /^en\b/i.test(item.language);
    const asTyped = !english || (field === 'container-title' && !/chapter/.test(out.type));
    let text = asTyped ? value.replace(/[{}]/g, '') : sentenceCase(value);
    for (const word of protectedWords) text = text.replace(word, `<span class="nocase">${word}</span>`);
    out[field] = text;
  }
  return out;
}

const officialItems = Object.values(ITEMS).map(officialItem);
const normal = (s) =>
  String(s ?? '')
    .replace(/&#38;/g, '&')
    .replace(/<span class="nocase">|<\/span>/g, '')
    .trim();

/** The strings one style gives for a row: note, short note and entry (Chicago), or citation and entry (APA). */
function render(style, engine, row) {
  const cite = { id: row.key, ...(row.cite ?? {}) };
  const citations = (style === 'chicago' ? [[cite], [cite]] : [[cite]]).map((items, i) => ({
    citationID: `c${i + 1}`,
    citationItems: items,
    properties: { noteIndex: i + 1 },
  }));
  const out = engine.rebuildProcessorState(citations, 'html', []).map((c) => c[2]);
  engine.updateItems([row.key]);
  const entry = engine
    .makeBibliography()[1][0]
    ?.trim()
    .replace(/^<div class="csl-entry">|<\/div>$/g, '');
  return style === 'chicago'
    ? { note: out[0], short: out[1], bibliography: entry }
    : { cite: out[0], reference: entry };
}

const ours = (style, row) => {
  const r = citationResolver(style, Object.values(ITEMS));
  const c = { key: row.key, ...(row.cite ?? {}) };
  const cites = r.formatCites(style === 'chicago' ? [[c], [c]] : [[c]]);
  const entry = r.bibliography([row.key])[0];
  return style === 'chicago'
    ? { note: cites[0], short: cites[1], bibliography: entry }
    : { cite: cites[0], reference: entry };
};

// Per style and renderer: strings and whole rows (every string of the row) as the table has them.
const tally = {};
const count = (who, style) => {
  const key = `${who} ${style}`;
  tally[key] ??= { strings: 0, matching: 0, rows: 0, rowsMatching: 0 };
  return tally[key];
};
for (const row of MANUAL_TABLE) {
  const lines = [];
  for (const style of ['chicago', 'apa']) {
    const got = {
      ours: ours(style, row),
      official: render(style, csl.engine(officialItems, OFFICIAL[style].name, 'en-US', 'html'), row),
    };
    for (const who of ['ours', 'official']) {
      const t = count(who, style);
      let whole = true;
      for (const [part, want] of Object.entries(row[style])) {
        if (want === undefined) continue;
        t.strings++;
        if (normal(got[who][part]) === normal(want)) t.matching++;
        else {
          whole = false;
          lines.push(
            `  ${style} ${part} — ${who}:\n      manual:   ${normal(want)}\n      rendered: ${normal(got[who][part])}`,
          );
        }
      }
      t.rows++;
      if (whole) t.rowsMatching++;
    }
  }
  if (lines.length > 0) console.log(`${row.what} (${row.rule})\n${lines.join('\n')}\n`);
}

console.log(`Summary: ${MANUAL_TABLE.length} sources of the hand-checked table`);
console.log('  style                         rows as the manual     strings as the manual');
for (const [key, t] of Object.entries(tally))
  console.log(`  ${key.padEnd(28)}  ${`${t.rowsMatching}/${t.rows}`.padEnd(21)}  ${t.matching}/${t.strings}`);
