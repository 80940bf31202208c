/**
 * The import graph of `src/` and the dependency rule of docs/architecture.md, as pure functions.
 *
 *   readImportGraph(srcDir): ImportGraph        parse every .ts file under srcDir (TypeScript's parser, no type-check)
 *   findCircles(graph): string[][]              every import circle, each as a closed path [a, b, …, a]
 *   checkLayers(graph): Violation[]             every arrow against the layer order, with the rule it breaks
 *   domShadowingExports(graph): Violation[]     exported names that shadow DOM globals (CloseEvent, …)
 *   layerOf(file): Layer | undefined            'core' | 'streams' | … | 'entry' | 'testing'
 *
 * An ImportGraph maps each file (a path relative to src/, e.g. 'pool/router.ts') to its imports: static
 * `import … from`, `export … from`, side-effect `import '…'`, dynamic `import('…')` and `typeof import('…')`.
 * An import is type-only when it is `import type` / `export type` or a type query; `import { type A }` is not
 * (under verbatimModuleSyntax it still loads the module). Specifiers resolve relative to the importing file, and
 * the package names `binance-stream-client`, `/advanced`, `/testing` resolve to the entry files in src/.
 * Imports that resolve to no file in src/ (node:, ws, …) are dropped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Resolved target, relative to src/ ('core/errors.ts'). */
  readonly to: string;
  /** As written in the source. */
  readonly specifier: string;
  readonly typeOnly: boolean;
}
export interface ImportGraph {
  readonly files: ReadonlyMap<string, { readonly imports: readonly ImportEdge[]; readonly exportedNames: readonly string[] }>;
}
export interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to?: string;
  readonly message: string;
}

export type Layer = 'core' | 'streams' | 'retry' | 'rest' | 'connection' | 'pool' | 'user-data' | 'book' | 'recovery' | 'events' | 'client' | 'entry' | 'integration' | 'testing';
/**
 * Lower imports nothing higher. rest (Binance's REST market data and the process-wide weight
 * budget) and connection share a rank and must not import each other; pool, user-data and
 * book (local order books) share one too; recovery is special-cased. `events` is src/events.ts, the type-only composition
 * of every layer's event map: above pool and user-data, below the client (whose emitter
 * is typed by it) and the entry files. `integration` is the optional entry points with peer
 * dependencies of their own (src/redis/, src/metrics/): above everything, imported by nothing in
 * the main entry, and not by each other.
 */
const RANK: Record<Exclude<Layer, 'testing' | 'recovery'>, number> = {
  core: 0,
  streams: 1,
  retry: 2,
  rest: 3,
  connection: 3,
  pool: 4,
  'user-data': 4,
  book: 4,
  events: 5,
  client: 6,
  entry: 7,
  integration: 8,
};
const ENTRY_FILES = new Set(['index.ts', 'advanced.ts']);
const ORDER = 'core ← streams ← retry ← {rest, connection} ← {pool, user-data, book} ← events ← client ← entry ← {redis, metrics}';
const INTEGRATIONS = new Set(['redis', 'metrics']);
const PACKAGE_ENTRIES: Record<string, string> = {
  'binance-stream-client': 'index.ts',
  'binance-stream-client/advanced': 'advanced.ts',
  'binance-stream-client/testing': 'testing/index.ts',
  'binance-stream-client/redis': 'redis/index.ts',
  'binance-stream-client/metrics': 'metrics/index.ts',
};
const DOM_GLOBALS = new Set(['CloseEvent', 'ErrorEvent', 'OpenEvent', 'MessageEvent']);

export function layerOf(file: string): Layer | undefined {
  if (ENTRY_FILES.has(file)) return 'entry';
  if (file === 'events.ts') return 'events';
  const top = file.split('/')[0]!;
  if (INTEGRATIONS.has(top) && file.includes('/')) return 'integration';
  return (['core', 'streams', 'retry', 'rest', 'connection', 'pool', 'user-data', 'book', 'recovery', 'client', 'testing'] as const).find((l) => l === top && file.includes('/'));
}

/** Parse one file's text: its imports (unresolved specifiers) and the names it exports. */
export function parseModule(text: string): { imports: { specifier: string; typeOnly: boolean }[]; exportedNames: string[] } {
  const sf = ts.createSourceFile('m.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports: { specifier: string; typeOnly: boolean }[] = [];
  const exportedNames: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) imports.push({ specifier: node.moduleSpecifier.text, typeOnly: node.importClause?.isTypeOnly ?? false });
    else if (ts.isExportDeclaration(node)) {
      if (node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) imports.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
      if (node.exportClause && ts.isNamedExports(node.exportClause)) for (const e of node.exportClause.elements) exportedNames.push(e.name.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0]))
      imports.push({ specifier: node.arguments[0].text, typeOnly: false });
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) imports.push({ specifier: node.argument.literal.text, typeOnly: true });
    else if (
      (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isClassDeclaration(node) || ts.isEnumDeclaration(node) || ts.isFunctionDeclaration(node)) &&
      node.name &&
      node.parent === sf &&
      ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
    )
      exportedNames.push(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { imports, exportedNames };
}

/** Resolve a specifier written in `from` (both relative to src/) against the known files. */
export function resolveSpecifier(from: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  if (PACKAGE_ENTRIES[specifier]) return PACKAGE_ENTRIES[specifier];
  if (!specifier.startsWith('.')) return undefined;
  const base = posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.(js|ts)$/, '');
  return [`${base}.ts`, `${base}/index.ts`].find((c) => known.has(c));
}

export function readImportGraph(srcDir: string): ImportGraph {
  const paths = (readdirSync(srcDir, { recursive: true }) as string[]).filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts')).map((p) => p.split(sep).join('/'));
  const known = new Set(paths);
  const files = new Map<string, { imports: ImportEdge[]; exportedNames: string[] }>();
  for (const file of paths.sort()) {
    const parsed = parseModule(readFileSync(join(srcDir, file), 'utf8'));
    const imports = parsed.imports.flatMap((i) => {
      const to = resolveSpecifier(file, i.specifier, known);
      return to ? [{ to, specifier: i.specifier, typeOnly: i.typeOnly }] : [];
    });
    files.set(file, { imports, exportedNames: parsed.exportedNames });
  }
  return { files };
}

/** Tarjan's strongly connected components; each component with a circle is reported as one closed path through it. */
export function findCircles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const next = (f: string) => [...new Set((graph.files.get(f)?.imports ?? []).map((e) => e.to))];
  const strong = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = new Set<string>();
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w);
      scc.add(w);
      if (w === v) break;
    }
    if (scc.size > 1 || next(v).includes(v)) circles.push(shortestCircle(v, scc, next));
  };
  for (const f of graph.files.keys()) if (!index.has(f)) strong(f);
  return circles;
}

/** Breadth-first inside one component: the shortest path start → … → start. */
function shortestCircle(start: string, scc: ReadonlySet<string>, next: (f: string) => string[]): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const w of next(queue[i]!).filter((x) => scc.has(x))) {
      if (w === start) {
        const back: string[] = [];
        for (let at = queue[i]!; at !== start; at = prev.get(at)!) back.push(at);
        return [start, ...back.reverse(), start];
      }
      if (!prev.has(w)) {
        prev.set(w, queue[i]!);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** Every import against the layer order (architecture.md, "Dependency rule"). */
export function checkLayers(graph: ImportGraph): Violation[] {
  const out: Violation[] = [];
  for (const [from, { imports }] of graph.files) {
    const a = layerOf(from);
    if (!a) {
      out.push({
        rule: 'every file belongs to a layer',
        from,
        message: `${from} is outside every layer (core/ streams/ retry/ rest/ connection/ pool/ user-data/ book/ recovery/ client/ redis/ metrics/ testing/, or an entry file)`,
      });
      continue;
    }
    for (const { to, specifier, typeOnly } of imports) {
      const b = layerOf(to);
      const v = (rule: string) => {
        if (!out.some((o) => o.from === from && o.to === to && o.rule === rule)) out.push({ rule, from, to, message: `${from} → ${specifier} (${to}): ${rule}` });
      };
      if (a === 'testing') {
        if (b !== 'testing' && !(to === 'index.ts' && typeOnly)) v('src/testing/ imports nothing from src/ outside src/testing/ except `import type` from src/index.ts');
      } else if (b === 'testing') v('only src/testing/ imports src/testing/ (it is a separate entry)');
      else if (!b || (a === b && (a !== 'integration' || from.split('/')[0] === to.split('/')[0]))) continue;
      else if (a === 'integration' && b === 'integration') v('redis/ and metrics/ are separate entry points and must not import each other');
      else if (a === 'recovery') {
        if (b !== 'core' && b !== 'streams' && b !== 'rest') v('recovery/ imports only core/, streams/ and rest/');
      } else if (b === 'recovery') {
        if (a !== 'pool' && a !== 'client' && a !== 'entry' && !(a === 'events' && typeOnly))
          v('recovery/ is imported by pool/ and client/ (and re-exported by the entry files, its event types composed by events.ts) only');
      } else if (a !== b && RANK[a] === RANK[b] && a !== 'entry') v(`${a}/ and ${b}/ share a rank and must not import each other`);
      else if (RANK[a] < RANK[b]) v(`wrong-way arrow: ${a} must not import ${b} (order: ${ORDER})`);
    }
  }
  return out;
}

/** Exported names that shadow the DOM's CloseEvent, ErrorEvent, OpenEvent or MessageEvent. */
export function domShadowingExports(graph: ImportGraph): Violation[] {
  return [...graph.files].flatMap(([from, { exportedNames }]) =>
    exportedNames.filter((n) => DOM_GLOBALS.has(n)).map((n) => ({ rule: 'no exported name shadows a DOM global', from, message: `${from} exports ${n}, which shadows the DOM global of that name` })),
  );
}

/** A graph from literal adjacency, for tests: { 'core/a.ts': ['streams/b.ts', 'type:connection/c.ts'] }. */
export function graphOf(adjacency: Record<string, string[]>, exportedNames: Record<string, string[]> = {}): ImportGraph {
  const edge = (t: string): ImportEdge => ({ to: t.replace(/^type:/, ''), specifier: t.replace(/^type:/, ''), typeOnly: t.startsWith('type:') });
  const names = new Set([...Object.keys(adjacency), ...Object.values(adjacency).flatMap((ts) => ts.map((t) => edge(t).to))]);
  const files = new Map([...names].map((f) => [f, { imports: (adjacency[f] ?? []).map(edge), exportedNames: exportedNames[f] ?? [] }]));
  return { files };
}
