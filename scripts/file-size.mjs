// The file-size rule: a source file over 300 lines says why at its top. Small files named after
// what they hold are the house style; a longer one is fine when it is one concern that splitting
// would scatter, and then its leading comment says so with the marker "Over 300 lines:" (any case,
// "Just over 300 lines:" too). Sources are collector/, shared/, tag/, scripts/ and bench/; tests,
// declarations and generated files are not counted.
// `node scripts/file-size.mjs` lists the long files and exits 1 when one lacks its reason;
// test/scripts/file-size.test.ts runs the same check.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const LIMIT = 300;
export const DIRS = ['collector', 'shared', 'tag', 'scripts', 'bench'];

const isSource = (name) =>
  /\.(ts|tsx|mts|js|mjs|cjs)$/.test(name) && !/\.test\.[cm]?[jt]sx?$/.test(name) && !/\.d\.[cm]?ts$/.test(name);

function sources(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'generated') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (isSource(name)) out.push(p);
  }
  return out;
}

const lineCount = (text) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

/** The file's leading comment: the lines before its first line of code (a shebang counts as comment). */
export function leadingComment(text) {
  const lines = [];
  let inBlock = false;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (inBlock) {
      lines.push(t);
      if (t.includes('*/')) inBlock = false;
    } else if (t === '' || t.startsWith('//') || t.startsWith('#!')) lines.push(t);
    else if (t.startsWith('/*')) {
      lines.push(t);
      inBlock = !t.includes('*/');
    } else break;
  }
  return lines.join('\n');
}

/** Whether the leading comment states why the file is long. */
export const statesReason = (text) => /over 300 lines:/i.test(leadingComment(text));

/** Every source file over the limit: `{ file, lines, reason }` (`reason` false when its top does not say why). */
export function longFiles(dirs = DIRS, limit = LIMIT) {
  const out = [];
  for (const dir of dirs) {
    for (const path of sources(join(root, dir))) {
      const text = readFileSync(path, 'utf8');
      const lines = lineCount(text);
      if (lines > limit) out.push({ file: relative(root, path), lines, reason: statesReason(text) });
    }
  }
  return out.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const long = longFiles();
  const missing = long.filter((f) => !f.reason);
  console.log(`source files over ${LIMIT} lines: ${long.length}, without a reason at the top: ${missing.length}`);
  for (const f of long) {
    console.log(`  ${String(f.lines).padStart(5)} ${(f.reason ? '' : 'NO REASON').padEnd(9)} ${f.file}`);
  }
  process.exit(missing.length ? 1 : 0);
}
