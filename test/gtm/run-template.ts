// Runs sandboxed JavaScript the way GTM does: the code is a function body, `require` and `data` are
// its only globals, and any other free name is an error ("undeclared variable"), so code that
// reaches for window, document, JSON or setTimeout fails here as it would in GTM.

const SCOPE_BUILTINS: Record<string, unknown> = { undefined: undefined, NaN: NaN, Infinity: Infinity };

/** A `with` scope that owns every free identifier: listed bindings resolve, the rest throw. */
function scopeOf(bindings: Record<string, unknown>): object {
  return new Proxy(Object.create(null), {
    has: (_t, name) => typeof name === 'string',
    get(_t, name) {
      if (name === Symbol.unscopables) return undefined;
      if (typeof name !== 'string') return undefined;
      if (name in bindings) return bindings[name];
      if (name in SCOPE_BUILTINS) return SCOPE_BUILTINS[name];
      throw new ReferenceError(`Attempting to use undeclared variable ${name}`);
    },
    set(_t, name) {
      throw new ReferenceError(`Attempting to assign undeclared variable ${String(name)}`);
    },
  });
}

export type CompiledCode = (bindings: Record<string, unknown>) => unknown;

export function compileSandboxed(code: string): CompiledCode {
  const problems = lintSandboxed(code);
  if (problems.length) throw new SyntaxError(`not sandboxed JavaScript: ${problems.join('; ')}`);
  // eslint-disable-next-line no-new-func
  const factory = new Function('__scope', `with (__scope) { return function () { "use strict";\n${code}\n}; }`);
  return (bindings) => factory(scopeOf(bindings))();
}

/**
 * What the sandbox's ES5.1 subset (plus arrow functions, const and let) refuses, found in the code
 * with strings and comments removed. The runtime scope catches the forbidden globals.
 */
export function lintSandboxed(code: string): string[] {
  const bare = stripStringsAndComments(code);
  const problems: string[] = [];
  const rules: [RegExp, string][] = [
    [/\bnew\s/, '`new` is not available'],
    [/\bthis\b/, '`this` is not available'],
    [/\barguments\b/, '`arguments` is not available'],
    [/\b(class|async|await|yield|import|export)\b/, 'ES2015+ declarations are not available'],
    [/`/, 'template literals are not available'],
    [/\.\.\./, 'spread and rest are not available'],
    [/\b(const|let|var)\s*[[{]/, 'destructuring is not available'],
    [/\bfor\s*\(\s*(const|let|var)\s+\w+\s+of\b/, 'for...of is not available'],
  ];
  for (const [re, message] of rules) if (re.test(bare)) problems.push(message);
  return problems;
}

function stripStringsAndComments(code: string): string {
  let out = '';
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === '/' && code[i + 1] === '/') {
      while (i < code.length && code[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && code[i + 1] === '*') {
      i = code.indexOf('*/', i + 2);
      if (i < 0) break;
      i++;
    } else if (c === "'" || c === '"') {
      i++;
      while (i < code.length && code[i] !== c) i += code[i] === '\\' ? 2 : 1;
      out += '""';
    } else out += c;
  }
  return out;
}

export interface TagRun {
  outcome: 'success' | 'failure' | 'pending';
  error?: unknown;
  successCalls: number;
  failureCalls: number;
}

/**
 * Fires a tag: runs the template code with `data` (its fields plus gtmOnSuccess / gtmOnFailure).
 * A throw fails the tag, as it does in GTM. `onSettled` hears the first outcome.
 */
export function fireTag(
  compiled: CompiledCode,
  require: (name: string) => unknown,
  fields: Record<string, unknown>,
  onSettled?: (run: TagRun) => void,
): TagRun {
  const run: TagRun = { outcome: 'pending', successCalls: 0, failureCalls: 0 };
  const settle = (outcome: 'success' | 'failure') => {
    if (run.outcome === 'pending') {
      run.outcome = outcome;
      onSettled?.(run);
    }
  };
  const data = {
    ...fields,
    gtmOnSuccess: () => {
      run.successCalls++;
      settle('success');
    },
    gtmOnFailure: () => {
      run.failureCalls++;
      settle('failure');
    },
  };
  try {
    compiled({ require, data });
  } catch (e) {
    run.error = e;
    run.failureCalls++;
    settle('failure');
  }
  return run;
}
