// `npm run check:wxr-export`: exports the demo site as WXR (into a throwaway folder) and compares the set of
// elements it writes with the real WordPress exports in ../shared/fixtures/wxr/ (kept out of this repository).
// Prints, for the channel, items and comments, each element those exports have that ours lacks, with how many of
// the files have it, and the elements ours has that none of them has. Not part of `npm test`: the files are not
// ours to ship, and WordPress itself cannot run here.
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { SaxesParser } from 'saxes';
import { openSite } from '../src/main.ts';
import { seedDemoSite } from '../src/modules/demo/demo.service.ts';
import { exportWxr } from '../src/modules/export/wxr-export.service.ts';

const root = resolve(process.argv[2] ?? new URL('../../shared/fixtures/wxr/', import.meta.url).pathname);
if (!existsSync(root)) {
  process.stderr.write(`compare-wxr-elements: ${root} does not exist (give the folder of WXR files as the argument)\n`);
  process.exit(1);
}

const PREFIXES = [
  [/^https?:\/\/wordpress\.org\/export\/1\.\d\/excerpt\/$/, 'excerpt'],
  [/^https?:\/\/wordpress\.org\/export\/1\.\d\/$/, 'wp'],
  [/^https?:\/\/purl\.org\/rss\/1\.0\/modules\/content\/$/, 'content'],
  [/^https?:\/\/purl\.org\/dc\/elements\/1\.1\/$/, 'dc'],
  [/^https?:\/\/wellformedweb\.org\/CommentAPI\/$/, 'wfw'],
];
const nameOf = (uri, local) => {
  if (!uri) return local;
  const hit = PREFIXES.find(([re]) => re.test(uri));
  return hit ? `${hit[1]}:${local}` : `{${uri}}${local}`;
};

/** The element names found under channel, item and wp:comment, as "channel/x", "item/x", "comment/x". */
async function elementSet(chunks) {
  const found = new Set();
  const stack = [];
  const parser = new SaxesParser({ xmlns: true });
  parser.on('opentag', (tag) => {
    const name = nameOf(tag.uri, tag.local);
    const parent = stack.at(-1);
    if (parent === 'channel' || parent === 'item' || parent === 'wp:comment')
      found.add(`${parent === 'wp:comment' ? 'comment' : parent}/${name}`);
    stack.push(name);
  });
  parser.on('closetag', () => stack.pop());
  for await (const chunk of chunks) parser.write(chunk);
  parser.close();
  return found;
}

function xmlFiles(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return xmlFiles(path);
      return name.endsWith('.xml') ? [path] : [];
    });
}

const dir = mkdtempSync(join(tmpdir(), 'annalist-wxr-elements-'));
let ours;
try {
  const site = await openSite(dir);
  await seedDemoSite(site.content, { mediaDir: site.mediaDir });
  let xml = '';
  await exportWxr(
    { db: site.storage.db, clock: site.content.clock },
    {
      baseUrl: 'https://steppe.example',
      includeEmails: false,
      write: async (c) => {
        xml += c;
      },
    },
  );
  await site.storage.close();
  ours = await elementSet([xml]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const theirs = new Map();
let files = 0;
for (const file of xmlFiles(root)) {
  let set;
  try {
    set = await elementSet(createReadStream(file, { encoding: 'utf8' }));
  } catch {
    continue; // the files that are not well-formed on purpose
  }
  if (![...set].some((e) => e.startsWith('channel/wp:'))) continue;
  files++;
  for (const e of set) {
    if (!theirs.has(e)) theirs.set(e, []);
    theirs.get(e).push(relative(root, file));
  }
}

const lacking = [...theirs.keys()].filter((e) => !ours.has(e) && !e.includes('{')).sort();
const foreign = [...theirs.keys()].filter((e) => !ours.has(e) && e.includes('{')).length;
const extra = [...ours].filter((e) => !theirs.has(e)).sort();
process.stdout.write(`Compared with ${files} well-formed WordPress exports in ${root}\n\n`);
process.stdout.write('Elements those exports have that ours lacks (in how many files):\n');
for (const e of lacking) process.stdout.write(`  ${e.padEnd(36)} ${theirs.get(e).length}\n`);
if (lacking.length === 0) process.stdout.write('  none\n');
if (foreign) process.stdout.write(`  (and ${foreign} elements in other namespaces: plugins' own data)\n`);
process.stdout.write('\nElements ours has that none of them has:\n');
for (const e of extra) process.stdout.write(`  ${e}\n`);
if (extra.length === 0) process.stdout.write('  none\n');
