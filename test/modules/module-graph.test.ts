import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// Issue 15, "Clean layers": the domain modules form a graph without cycles (settings at the bottom, the dashboard
// on top), and no module reaches up into the web layer, the composition root or a storage implementation.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MODULES = join(ROOT, 'src/modules');

/** One import of one file: who imports (a path under src/), and the file the specifier names. */
interface ImportEdge {
  from: string;
  to: string;
}

/** Folder-level graph: module -> module it imports -> the first import that makes that edge (as evidence). */
type ModuleGraph = Map<string, Map<string, ImportEdge>>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every relative import of a file (static, `export … from`, `import type`, dynamic `import()`), resolved. */
function importsOf(file: string): ImportEdge[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .filter((f) => f.fileName.startsWith('.'))
    .map((f) => ({
      from: relative(join(ROOT, 'src'), file),
      to: relative(join(ROOT, 'src'), resolve(dirname(file), f.fileName)),
    }));
}

const moduleOf = (srcPath: string): string | undefined => {
  const parts = srcPath.split(sep);
  return parts[0] === 'modules' && parts.length > 2 ? parts[1] : undefined;
};

function moduleGraph(edges: ImportEdge[]): ModuleGraph {
  const graph: ModuleGraph = new Map();
  for (const edge of edges) {
    const a = moduleOf(edge.from);
    const b = moduleOf(edge.to);
    if (!a || !b || a === b) continue;
    if (!graph.has(a)) graph.set(a, new Map());
    if (!graph.get(a)?.has(b)) graph.get(a)?.set(b, edge);
  }
  return graph;
}

/** A cycle of the graph as the list of its modules (first repeated at the end), or undefined when it has none. */
function findCycle(graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    path.push(node);
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}

/** The cycle in words, each step with the import that makes it. */
function describeCycle(graph: ModuleGraph, cycle: string[]): string {
  const steps = cycle.slice(1).map((to, i) => {
    const edge = graph.get(cycle[i]!)?.get(to);
    return `  ${cycle[i]} -> ${to}: src/${edge?.from} imports src/${edge?.to}`;
  });
  return `modules import each other in a cycle: ${cycle.join(' -> ')}\n${steps.join('\n')}`;
}

// What no file under src/modules may import: the web layer, the composition root and entry points, and the
// storage implementations (only main.ts picks the database, Redis and the backup writer).
const FORBIDDEN: { prefix: string; why: string }[] = [
  { prefix: `web${sep}`, why: 'the web layer' },
  { prefix: 'main.ts', why: 'the composition root' },
  { prefix: 'cli.ts', why: 'the command line' },
  { prefix: `storage${sep}sqlite${sep}`, why: 'a storage implementation' },
  { prefix: `storage${sep}postgres${sep}`, why: 'a storage implementation' },
  { prefix: `storage${sep}redis${sep}`, why: 'a storage implementation' },
  { prefix: `storage${sep}backup${sep}`, why: 'a storage implementation' },
];

function forbiddenImports(edges: ImportEdge[]): string[] {
  return edges.flatMap((e) => {
    const rule = FORBIDDEN.find((r) => e.to === r.prefix || e.to.startsWith(r.prefix));
    return rule ? [`src/${e.from} imports src/${e.to} (${rule.why})`] : [];
  });
}

const edges = sourceFiles(MODULES).flatMap(importsOf);

describe('module graph of src/modules', () => {
  test('the domain modules import each other without a cycle', () => {
    const graph = moduleGraph(edges);
    assert.ok(graph.size > 10, `expected the modules' imports, found ${graph.size} importing modules`);
    const cycle = findCycle(graph);
    assert.equal(cycle, undefined, cycle && describeCycle(graph, cycle));
  });

  test('settings is a base module and nothing below the dashboard imports it', () => {
    const graph = moduleGraph(edges);
    assert.deepEqual(
      [...(graph.get('settings')?.keys() ?? [])].filter((m) => m !== 'shared'),
      [],
    );
    const importers = [...graph].filter(([, targets]) => targets.has('dashboard')).map(([m]) => m);
    assert.deepEqual(importers, []);
  });

  test('no module imports the web layer, the composition root or a storage implementation', () => {
    assert.ok(
      edges.some((e) => e.to.startsWith(`storage${sep}`)),
      'expected imports of storage types',
    );
    assert.deepEqual(forbiddenImports(edges), []);
  });

  test('the cycle check finds a cycle and names it, however long', () => {
    const graph = new Map([
      ['accounts', new Map([['shared', 1]])],
      [
        'content',
        new Map([
          ['accounts', 1],
          ['sources', 1],
        ]),
      ],
      ['sources', new Map([['search', 1]])],
      ['search', new Map([['content', 1]])],
    ]);
    assert.deepEqual(findCycle(graph), ['content', 'sources', 'search', 'content']);
    graph.get('search')?.delete('content');
    assert.equal(findCycle(graph), undefined);
  });

  test('the forbidden-import check names the file and what it reached', () => {
    const found = forbiddenImports([
      { from: join('modules', 'content', 'a.ts'), to: join('web', 'kit', 'render.tsx') },
      { from: join('modules', 'content', 'b.ts'), to: join('storage', 'sqlite', 'open-sqlite.ts') },
      { from: join('modules', 'content', 'c.ts'), to: join('storage', 'schema.ts') },
    ]);
    assert.equal(found.length, 2);
    assert.match(found[0]!, /modules\/content\/a\.ts imports src\/web\/kit\/render\.tsx \(the web layer\)/);
    assert.match(found[1]!, /storage\/sqlite\/open-sqlite\.ts \(a storage implementation\)/);
  });
});

/** Query building in a source text: Kysely's builders, its `sql` tag, a transaction begun by hand. */
const QUERY = /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|transaction)\(|\bsql`/;

/** The files of `files` that build a query themselves, each with its first such line. */
function queriesIn(files: readonly { path: string; text: string }[]): string[] {
  return files.flatMap(({ path, text }) => {
    const line = text.split('\n').findIndex((l) => QUERY.test(l));
    return line < 0 ? [] : [`${path}:${line + 1}`];
  });
}

describe('the web layer and SQL', () => {
  test('no file of src/web builds a query: routes and views read and write through the modules', () => {
    const web = sourceFiles(join(ROOT, 'src/web')).map((p) => ({
      path: relative(ROOT, p),
      text: readFileSync(p, 'utf8'),
    }));
    assert.ok(web.length > 50, `expected the web layer's files, found ${web.length}`);
    assert.deepEqual(queriesIn(web), []);
  });

  test('the query check names the file and line of a query', () => {
    const found = queriesIn([
      { path: 'src/web/a.tsx', text: "const x = 1;\nawait db.selectFrom('posts').selectAll().execute();" },
      { path: 'src/web/b.ts', text: 'await sql`select 1`.execute(db);' },
      { path: 'src/web/c.ts', text: "await findPost(deps, 'a'); // selectFrom is a word here" },
    ]);
    assert.deepEqual(found, ['src/web/a.tsx:2', 'src/web/b.ts:1']);
  });
});

describe('queries in src/modules', () => {
  // Issue 15: SQL lives in `*.repository.ts` files; every other module file reads and writes through them.
  test('SQL lives in repositories: no module file outside a repository builds a query', () => {
    const modules = sourceFiles(MODULES)
      .map((p) => ({ path: relative(ROOT, p), text: readFileSync(p, 'utf8') }))
      .filter((f) => !f.path.endsWith('.repository.ts'));
    assert.ok(modules.length > 100, `expected the modules' files, found ${modules.length}`);
    assert.deepEqual(queriesIn(modules), [], 'a query belongs in a repository');
  });
});
