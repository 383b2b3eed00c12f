/**
 * Checks the import graph of `src/`: no cycle between files, no cycle between folders, and the
 * layer rules of docs/architecture.md:
 *
 * - infra imports no module and no flow. The one exception: `src/infra/db/schema.ts` re-exports
 *   every module's tables for drizzle-kit and the typed Db; only `infra/db/client.ts` and the
 *   command lines (`src/cli/`) import it;
 * - a module imports no flow, and another module only through its `index.ts`; a module's files
 *   never import their own `index.ts`;
 * - tables are the bottom layer: a `*.tables.ts` may import another module's `*.tables.ts` (a
 *   foreign key), and nothing else of another module.
 *
 * Nodes of the folder graph: each module, its tables (`modules/<name>:tables`, their own layer),
 * each flow, infra, and each top-level file or folder. Type-only imports count like the others.
 *
 *   npx tsx scripts/check-imports.ts          # prints every problem; exit code 1 when there is one
 *   npx tsx scripts/check-imports.ts --graph  # also prints who imports whom among modules and flows
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve('src');

/** Every `.ts` file under `dir`. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The relative imports of a file, resolved to `.ts` paths (type-only imports included). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[1] ?? m[2];
    const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
    if (existsSync(target)) out.push(target);
  }
  return out;
}

/** The folder node of a file: `modules/<name>` (`:tables` for its tables), `flows/<name>`, `infra`, or the top folder. */
function nodeOf(file: string): string {
  const rel = path.relative(root, file).split(path.sep);
  if (rel[0] === 'modules') return `modules/${rel[1]}${isTables(file) ? ':tables' : ''}`;
  if (rel[0] === 'flows') return `flows/${rel[1].replace(/(\.test)?\.ts$/, '')}`;
  if (rel.length === 1) return rel[0].replace(/\.ts$/, '');
  return rel[0];
}

/** The cycles of a graph (one per strongly connected component with more than one node or a self-loop). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

const isTables = (file: string): boolean => file.endsWith('.tables.ts');
const SCHEMA = path.join('infra', 'db', 'schema.ts');
const CLIENT = path.join('infra', 'db', 'client.ts');

const all = files(root);
const fileGraph = new Map<string, Set<string>>();
const folderGraph = new Map<string, Set<string>>();
const problems: string[] = [];
const rel = (f: string): string => path.relative(root, f);

for (const f of all) {
  const from = nodeOf(f);
  fileGraph.set(rel(f), new Set());
  if (!folderGraph.has(from)) folderGraph.set(from, new Set());
  const isTest = f.endsWith('.test.ts');
  for (const t of importsOf(f)) {
    const to = nodeOf(t);
    fileGraph.get(rel(f))!.add(rel(t));
    if (isTest) continue;
    const module = (n: string) => n.replace(/:tables$/, '');
    const crossModule = to.startsWith('modules/') && module(from) !== module(to);
    // The schema exception's edges (infra → every module's tables) stay in the file graph only. Only
    // tables may depend on another module's tables alone; anything else depends on the module.
    const target = crossModule && !isTables(f) ? module(to) : to;
    if (from !== target && rel(f) !== SCHEMA) folderGraph.get(from)!.add(target);
    if (from === 'infra' && (to.startsWith('modules/') || to.startsWith('flows/')) && rel(f) !== SCHEMA) {
      problems.push(`infra imports a module or flow: ${rel(f)} → ${rel(t)}`);
    }
    if (rel(t) === SCHEMA && rel(f) !== CLIENT && !rel(f).startsWith(`cli${path.sep}`)) {
      problems.push(`imports every table through infra/db/schema.ts: ${rel(f)} (import the module's index.ts)`);
    }
    if (from.startsWith('modules/') && to.startsWith('flows/')) problems.push(`module imports a flow: ${rel(f)} → ${rel(t)}`);
    if (crossModule && isTables(f) && !isTables(t)) problems.push(`a tables file imports more than tables: ${rel(f)} → ${rel(t)}`);
    if (crossModule && path.basename(t) !== 'index.ts' && !(isTables(f) && isTables(t)) && rel(f) !== SCHEMA) {
      problems.push(`enters a module not through its index.ts: ${rel(f)} → ${rel(t)}`);
    }
    if (!crossModule && from.startsWith('modules/') && path.basename(t) === 'index.ts' && path.basename(f) !== 'index.ts') {
      problems.push(`imports its own module's index.ts: ${rel(f)} → ${rel(t)}`);
    }
  }
}

for (const c of cycles(folderGraph)) problems.push(`folder cycle: ${c.join(' ⇄ ')}`);
for (const c of cycles(fileGraph)) problems.push(`file cycle: ${c.join(' ⇄ ')}`);

if (process.argv.includes('--graph')) {
  for (const [from, to] of [...folderGraph].sort(([a], [b]) => a.localeCompare(b))) {
    if (!/^(modules|flows)\//.test(from) || from.endsWith(':tables')) continue;
    const deps = [...to].filter((t) => /^(modules|flows)\//.test(t) && !t.endsWith(':tables')).sort();
    console.log(`${from} → ${deps.join(', ') || '(no module)'}`);
  }
}
console.log(`${all.length} files, ${[...fileGraph.values()].reduce((n, s) => n + s.size, 0)} imports, ${folderGraph.size} folders`);
for (const p of problems) console.log(p);
console.log(problems.length ? `${problems.length} problem(s)` : 'no cycles, no layer violations');
process.exitCode = problems.length ? 1 : 0;
