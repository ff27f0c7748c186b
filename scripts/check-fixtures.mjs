// `npm run check:fixtures`: imports every WordPress export in ../shared/fixtures/wxr/ (real files, kept out of
// this repository) into a fresh temporary site, one at a time, and prints what the site then holds — posts,
// pages, categories (depth), comments (replies) — or the refusal with its position, to compare by eye with the
// counts in ../shared/fixtures/README.md. Not part of `npm test`: the files are not ours to ship.
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { openSite } from '../src/main.ts';
import { importWordpress } from '../src/modules/import/wordpress-import.service.ts';

const root = resolve(process.argv[2] ?? new URL('../../shared/fixtures/wxr/', import.meta.url).pathname);
if (!existsSync(root)) {
  process.stderr.write(`check-fixtures: ${root} does not exist (give the folder of WXR files as the argument)\n`);
  process.exit(1);
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

async function holdings(db) {
  const count = async (q) => Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const paths = await db.selectFrom('categories').select('path').execute();
  return {
    posts: await count(db.selectFrom('posts').where('type', '=', 'post')),
    pages: await count(db.selectFrom('posts').where('type', '=', 'page')),
    categories: paths.length,
    depth: Math.max(0, ...paths.map((p) => p.path.split('/').length)),
    comments: await count(db.selectFrom('comments')),
    replies: await count(db.selectFrom('comments').where('parent_id', 'is not', null)),
  };
}

const rows = [['file', 'posts', 'pages', 'categories (depth)', 'comments (replies)', 'or refused']];
for (const file of xmlFiles(root)) {
  const dir = mkdtempSync(join(tmpdir(), 'annalist-fixture-'));
  const site = await openSite(dir);
  const name = relative(root, file);
  try {
    await importWordpress(site.content, { open: () => createReadStream(file, { encoding: 'utf8' }) });
    const h = await holdings(site.storage.db);
    rows.push([name, h.posts, h.pages, `${h.categories} (${h.depth})`, `${h.comments} (${h.replies})`, '']);
  } catch (err) {
    if (!err?.code?.startsWith?.('IMPORT_')) throw err;
    rows.push([name, '', '', '', '', `${err.code} ${err.publicMessage}`]);
  } finally {
    await site.storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
for (const r of rows)
  process.stdout.write(
    `${r
      .map((c, i) => String(c).padEnd(i === 5 ? 0 : widths[i]))
      .join('  ')
      .trimEnd()}\n`,
  );
