import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/**
 * Folder dependencies of src/, read from the import statements. A cycle
 * between folders means two features cannot be understood, tested or
 * changed one at a time; the route-access kernel (src/access) must stay
 * importable by every feature, so it imports none.
 */
const SRC = __dirname;

/** Shared building blocks: any folder may import them. */
const INFRASTRUCTURE = new Set([
  'access',
  'audit',
  'client-address',
  'common',
  'config',
  'crypto',
  'database',
  'openapi',
  'state',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

function folderOf(path: string): string | null {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 ? parts[0] : null;
}

/** folder → the other folders its files import (type-only imports included: they couple too). */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    if (!from) continue;
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const to = folderOf(normalize(join(dirname(file), match[1])));
      if (to && to !== from) edges.add(to);
    }
  }
  return graph;
}

function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const visit = (node: string, path: string[]) => {
    for (const next of graph.get(node) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) found.push([...path.slice(at), next]);
      else visit(next, [...path, next]);
    }
  };
  for (const start of graph.keys()) visit(start, [start]);
  // Each cycle is found once per member: keep one rotation.
  const seen = new Set<string>();
  return found.filter((cycle) => {
    const key = [...cycle.slice(0, -1)].sort().join('>');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

describe('architecture: folder dependencies of src/', () => {
  const graph = folderGraph();

  it('has no import cycle between folders', () => {
    expect(cycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('keeps the route-access kernel free of features: src/access imports only infrastructure', () => {
    expect([...(graph.get('access') ?? [])].filter((to) => !INFRASTRUCTURE.has(to))).toEqual([]);
  });

  it('lets no feature folder import the login feature (auth/): only the application root wires it', () => {
    expect([...graph.entries()].filter(([, to]) => to.has('auth')).map(([from]) => from)).toEqual([]);
  });

  it('lets infrastructure import no feature', () => {
    const offending = [...graph.entries()]
      .filter(([from]) => INFRASTRUCTURE.has(from))
      .flatMap(([from, to]) => [...to].filter((t) => !INFRASTRUCTURE.has(t)).map((t) => `${from} -> ${t}`));
    expect(offending).toEqual([]);
  });
});
