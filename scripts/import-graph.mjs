// The collector's import graph and its two rules: no import cycles, and no upward arrows
// (nothing outside collector/routes/ imports from routes/, nothing outside routes/ and admin/
// imports from admin/, shared/ never imports from collector/). Type-only imports count: a type
// circle ties files together as much as a runtime one.
// `node scripts/import-graph.mjs` prints the structure and exits 1 when a rule is broken;
// test/scripts/import-graph.test.ts runs the same checks.
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolveSpecifier(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Every relative import of one file: `{ to, typeOnly }` with `to` relative to the repo. */
export function importsOf(file, text = readFileSync(file, 'utf8')) {
  const sf = ts.createSourceFile(
    file,
    text,
    ts.ScriptTarget.Latest,
    false,
    file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const found = [];
  const add = (spec, { typeOnly }) => {
    const to = resolveSpecifier(file, spec);
    if (to) found.push({ to: relative(root, to), typeOnly });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, { typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, { typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, { typeOnly: false });
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal.text, { typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The graph of collector/ and shared/: file → its imports (paths relative to the repo). */
export function buildGraph(dirs = ['collector', 'shared']) {
  const graph = new Map();
  for (const dir of dirs) {
    for (const file of sources(join(root, dir))) graph.set(relative(root, file), importsOf(file));
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself), each with one cycle through it. */
export function findCycles(graph) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  let next = 0;
  const edges = (v) => (graph.get(v) ?? []).map((e) => e.to).filter((t) => graph.has(t));
  const strong = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges(v).includes(v)) components.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strong(v);
  return components.map((files) => ({ files, cycle: oneCycle(files, edges) }));
}

// A shortest way round from the component's first file back to itself (breadth-first inside the component).
function oneCycle(files, edges) {
  const inside = new Set(files);
  const start = files[0];
  const previous = new Map();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of edges(v)) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0]));
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

const layer = (file) => {
  if (file.startsWith('shared/')) return 'shared';
  if (file.startsWith('collector/routes/') || file === 'collector/app.ts' || file === 'collector/index.ts')
    return 'routes';
  if (file.startsWith('collector/admin/')) return 'admin';
  return 'below';
};
const rank = { shared: 0, below: 1, admin: 2, routes: 3 };

/** Imports that point up a layer: shared → collector, anything below routes/ → routes/ or admin/, admin/ → routes/. */
export function upwardImports(graph) {
  const out = [];
  for (const [from, imports] of graph) {
    for (const { to } of imports) {
      if (!graph.has(to)) continue;
      if (rank[layer(to)] > rank[layer(from)]) out.push({ from, to });
    }
  }
  return out;
}

/** Files that reach a Durable Object namespace binding (`env.PERSON.get(…)`, `idFromName`, …) directly. */
export function filesReachingObjects(dirs = ['collector']) {
  const out = [];
  for (const dir of dirs) {
    for (const file of sources(join(root, dir))) {
      if (
        /\b(idFromName|idFromString|newUniqueId)\s*\(|\.(PERSON|VISITOR|CONFIG|DIRECTORY|DESTINATION|SOURCE)\.get\(/.test(
          readFileSync(file, 'utf8'),
        )
      )
        out.push(relative(root, file));
    }
  }
  return out.sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const graph = buildGraph();
  const cycles = findCycles(graph);
  const up = upwardImports(graph);
  const doors = filesReachingObjects();
  const edges = [...graph.values()].reduce((n, list) => n + list.length, 0);
  console.log(`${graph.size} files, ${edges} imports`);
  console.log(
    `cycles (strongly connected groups): ${cycles.length}, files in them: ${cycles.reduce((n, c) => n + c.files.length, 0)}`,
  );
  for (const c of cycles) console.log(`  ${c.files.length} files, e.g. ${c.cycle.join(' → ')}`);
  console.log(`upward imports: ${up.length}`);
  for (const u of up) console.log(`  ${u.from} → ${u.to}`);
  console.log(`files reaching Durable Objects directly: ${doors.length}`);
  for (const f of doors) console.log(`  ${f}`);
  process.exit(cycles.length || up.length ? 1 : 0);
}
