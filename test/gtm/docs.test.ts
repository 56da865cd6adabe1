import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTpl } from './tpl-file';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const tpl = parseTpl(read('tag/gtm/template.tpl'));
const cv = JSON.parse(read('tag/gtm/container.json')).containerVersion;
const install = read('docs/install.md');
const gtmSection = install.slice(install.indexOf('### Google Tag Manager'), install.indexOf('### Segment'));

describe('the Gallery repository root (tag/gtm)', () => {
  it('has template.tpl, metadata.yaml, an all-caps LICENSE with Apache 2.0, and a README', () => {
    for (const f of ['template.tpl', 'metadata.yaml', 'LICENSE', 'README.md', 'container.json'])
      expect(existsSync(new URL(`../../tag/gtm/${f}`, import.meta.url)), f).toBe(true);
    expect(read('tag/gtm/LICENSE')).toMatch(/^Apache License\s+Version 2\.0, January 2004/);
  });

  it('metadata.yaml lists homepage, documentation and versions newest first with full commit SHAs', () => {
    const meta = read('tag/gtm/metadata.yaml');
    expect(meta).toMatch(/^homepage: "https:\/\/[^"]+"$/m);
    expect(meta).toMatch(/^documentation: "https:\/\/[^"]+"$/m);
    const versions = [...meta.matchAll(/^ {2}- sha: (\S+)\n {4}changeNotes: (.+)$/gm)];
    expect(versions.length).toBeGreaterThanOrEqual(1);
    for (const [, sha, notes] of versions) {
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
      // A plain YAML scalar may not hold ": " or " #"; quoted, it may hold anything but its quote.
      if (notes.startsWith('"')) expect(notes).toMatch(/^"[^"\\]+"$/);
      else expect(notes).not.toMatch(/: | #/);
    }
  });
});

describe('docs/install.md, GTM steps', () => {
  it('names the template, permission, variables, trigger, tags and dataLayer event exactly as the export does', () => {
    const names = [
      tpl.info.displayName,
      tpl.permissions.find((p: any) => p.instance.key.publicId === 'inject_script').instance.param[0].value.listItem[0]
        .string,
      ...cv.variable.map((v: any) => v.name),
      ...cv.trigger.map((t: any) => t.name),
      ...cv.tag.map((t: any) => t.name),
    ];
    for (const name of names) expect(gtmSection, name).toContain(name);
    const event = cv.trigger[0].customEventFilter[0].parameter[1].value;
    const keys = cv.variable
      .filter((v: any) => v.type === 'v')
      .map((v: any) => v.parameter.find((p: any) => p.key === 'name').value);
    const push = /dataLayer\.push\(\{ event: '([^']+)', (\w+): [^,]+, (\w+): [^}]+\}\)/.exec(gtmSection);
    expect(push?.slice(1)).toEqual([event, ...keys]);
    for (const field of tpl.parameters
      .flatMap((p: any) => [p, ...(p.subParams ?? [])])
      .filter((p: any) => p.name === 'consentSource')) {
      for (const item of field.selectItems)
        if (item.value === 'none') expect(gtmSection).toContain(item.displayValue.split(':')[0]);
    }
  });
});
