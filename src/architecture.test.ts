import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folders of src/ are the architecture; an import cycle between two folders means neither
 * can be understood (or reused) alone. This reads every import of every source file, folds it
 * to "folder imports folder" and fails on any cycle, naming it.
 */
const src = fileURLToPath(new URL('.', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** A file's top-level folder under src/ ("load", "chaos", ...), or "." for src/ itself. */
const folderOf = (file: string): string => relative(src, file).split('/').slice(0, -1)[0] ?? '.';

export function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sources(src)) {
    const from = folderOf(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm)) {
      const to = folderOf(resolve(dirname(file), m[1]!));
      if (to === from || to === '.' || to.startsWith('..')) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

function findCycle(graph: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'visiting') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'visiting');
    path.push(n);
    for (const m of graph.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    path.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

test('no import cycle between the folders of src/', () => {
  const cycle = findCycle(folderGraph());
  assert.equal(cycle, null, `folder import cycle: ${cycle?.join(' -> ')}`);
});

/** The folder graph docs/architecture.md draws: its lines `folder -> a, b` (or `-> (none)`) in the first code block after "in one direction only". */
export function documentedGraph(markdown: string): Map<string, Set<string>> {
  const block = /in one direction only[\s\S]*?```\n([\s\S]*?)```/.exec(markdown)?.[1] ?? '';
  const graph = new Map<string, Set<string>>();
  for (const m of block.matchAll(/^(\w+)\s+->\s+(.+)$/gm)) {
    graph.set(m[1]!, new Set(m[2]!.trim() === '(none)' ? [] : m[2]!.split(',').map((x) => x.trim())));
  }
  return graph;
}

const edges = (g: Map<string, Set<string>>): string[] => [...g].flatMap(([from, tos]) => [...tos].map((to) => `${from} -> ${to}`)).sort();

test("docs/architecture.md's folder diagram has every folder of src/ and exactly the imports between them", () => {
  const documented = documentedGraph(readFileSync(join(src, '..', 'docs', 'architecture.md'), 'utf8'));
  const folders = readdirSync(src).filter((name) => statSync(join(src, name)).isDirectory()).sort();
  assert.deepEqual([...documented.keys()].sort(), folders, 'one line per folder of src/');
  assert.deepEqual(edges(documented), edges(folderGraph()));
});

test('the diagram reader reads edges and folders without any', () => {
  const g = documentedGraph('in one direction only:\n\n```\na -> b, c\nb   -> (none)\n```\n');
  assert.deepEqual(edges(g), ['a -> b', 'a -> c']);
  assert.deepEqual([...g.keys()], ['a', 'b']);
});

/**
 * Helpers only unit tests use sit beside those tests, named `*.testSupport.ts`, so a reader sees
 * they are not part of the engine; nothing but a test (or another helper) may import one.
 */
export function testSupportImports(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+\.testSupport\.js)'/gm)].map((m) => m[1]!);
}

test('only tests import the helpers named *.testSupport.ts', () => {
  const offenders = sources(src)
    .filter((file) => !file.endsWith('.testSupport.ts'))
    .flatMap((file) => testSupportImports(readFileSync(file, 'utf8')).map((m) => `${relative(src, file)} imports ${m}`));
  assert.deepEqual(offenders, []);
});

test('the test-support check finds a planted import', () => {
  assert.deepEqual(testSupportImports("import { a } from './x.js';\nimport { sameLayout } from '../load/sameLayout.testSupport.js';\n"), ['../load/sameLayout.testSupport.js']);
  assert.deepEqual(testSupportImports("import { a } from './x.js';\n"), []);
});

test('the cycle check finds a planted cycle', () => {
  const g = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])]]);
  assert.deepEqual(findCycle(g), ['a', 'b', 'c', 'a']);
  assert.equal(findCycle(new Map([['a', new Set(['b'])]])), null);
});
