// Reads a GTM custom template file (.tpl): `___NAME___` headed sections, JSON in most of them,
// and the YAML subset GTM writes for ___TESTS___ (scenarios of name + block-scalar code, setup).

export interface TemplateTest {
  name: string;
  code: string;
}

export interface TemplateFile {
  sections: Record<string, string>;
  order: string[];
  info: Record<string, any>;
  parameters: any[];
  code: string;
  permissions: any[];
  tests: { scenarios: TemplateTest[]; setup: string };
}

const HEADER = /^___([A-Z_]+)___$/;

export function parseTpl(text: string): TemplateFile {
  const sections: Record<string, string> = {};
  const order: string[] = [];
  let current: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (current) sections[current] = lines.join('\n').trim();
  };
  for (const line of text.split('\n')) {
    const m = HEADER.exec(line.trimEnd());
    if (m) {
      flush();
      current = m[1];
      if (sections[current] !== undefined || order.includes(current))
        throw new Error(`section ${current} appears twice`);
      order.push(current);
      lines = [];
    } else if (current) lines.push(line);
    else if (line.trim()) throw new Error(`text before the first section: ${line}`);
  }
  flush();
  const json = (name: string) => {
    try {
      return JSON.parse(sections[name] ?? '');
    } catch (e) {
      throw new Error(`section ${name} is not JSON: ${(e as Error).message}`);
    }
  };
  return {
    sections,
    order,
    info: json('INFO'),
    parameters: json('TEMPLATE_PARAMETERS'),
    code: sections.SANDBOXED_JS_FOR_WEB_TEMPLATE ?? '',
    permissions: json('WEB_PERMISSIONS'),
    tests: parseTestsYaml(sections.TESTS ?? 'scenarios: []'),
  };
}

/**
 * The YAML GTM's editor exports for tests: a `scenarios:` list of `- name: ...` / `code: |-` items
 * and an optional `setup: |-` block. Anything outside that subset is refused rather than guessed.
 */
export function parseTestsYaml(text: string): { scenarios: TemplateTest[]; setup: string } {
  const lines = text.split('\n');
  const scenarios: TemplateTest[] = [];
  let setup = '';
  let i = 0;
  const block = (indent: number): string => {
    const out: string[] = [];
    while (i < lines.length) {
      const line = lines[i];
      if (line.trim() === '') {
        out.push('');
        i++;
        continue;
      }
      const lead = line.length - line.trimStart().length;
      if (lead < indent) break;
      out.push(line.slice(indent));
      i++;
    }
    while (out.length && out[out.length - 1] === '') out.pop();
    return out.join('\n');
  };
  const scalar = (raw: string): string => {
    const v = raw.trim();
    if (v.startsWith('"')) return JSON.parse(v);
    if (v.startsWith("'")) return v.slice(1, -1).replace(/''/g, "'");
    return v;
  };
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    if (line.trim() === 'scenarios: []') {
      i++;
      continue;
    }
    if (line === 'scenarios:') {
      i++;
      continue;
    }
    let m = /^- name: (.+)$/.exec(line);
    if (m) {
      const name = scalar(m[1]);
      i++;
      const codeLine = lines[i] ?? '';
      const c = /^ {2}code: (\|-?|.+)$/.exec(codeLine);
      if (!c) throw new Error(`scenario "${name}" has no code line`);
      i++;
      const code = c[1].startsWith('|') ? block(4) : scalar(c[1]);
      scenarios.push({ name, code });
      continue;
    }
    m = /^setup: (\|-?|.+)$/.exec(line);
    if (m) {
      i++;
      setup = m[1].startsWith('|') ? block(2) : scalar(m[1]);
      continue;
    }
    throw new Error(`unexpected line in ___TESTS___: ${line}`);
  }
  return { scenarios, setup };
}
