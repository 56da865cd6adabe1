import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startContainer } from './container-runtime';
import { customizeContainer } from './customize-container';
import { readPermissions } from './permissions';
import { parseTpl } from './tpl-file';
// @ts-expect-error plain .mjs script without types
import { containerJson } from './write-container.mjs';

const root = new URL('../../tag/gtm/', import.meta.url);
const templateText = readFileSync(new URL('template.tpl', root), 'utf8');
const committed = readFileSync(new URL('container.json', root), 'utf8');
const container = JSON.parse(committed);
const cv = container.containerVersion;

describe('tag/gtm/container.json', () => {
  it('is up to date with template.tpl (node test/gtm/write-container.mjs rewrites it)', () => {
    expect(committed).toBe(containerJson(templateText));
    expect(cv.customTemplate).toHaveLength(1);
    expect(cv.customTemplate[0].templateData).toBe(templateText);
  });

  it('holds the template, a Load tag on All Pages, an identify tag on form submit, and what they reference', () => {
    const type = `cvt_${cv.containerId}_${cv.customTemplate[0].templateId}`;
    expect(cv.tag.map((t: any) => [t.name, t.type, t.firingTriggerId])).toEqual([
      ['Open Conversions - Load', type, ['2147479553']],
      ['Open Conversions - Identify on form submit', type, ['3']],
    ]);
    const defined = new Set([
      ...cv.variable.map((v: any) => v.name),
      ...cv.builtInVariable.map((v: any) => v.name),
      '_event',
    ]);
    const referenced = [
      ...JSON.stringify({ tag: cv.tag, trigger: cv.trigger, variable: cv.variable }).matchAll(/\{\{([^{}]+)\}\}/g),
    ].map((m) => m[1]);
    expect(referenced.length).toBeGreaterThan(0);
    for (const name of referenced) expect(defined, name).toContain(name);
    const params = parseTpl(templateText).parameters;
    const fieldNames = new Set(params.flatMap((p: any) => [p.name, ...(p.subParams ?? []).map((s: any) => s.name)]));
    for (const tag of cv.tag) for (const p of tag.parameter) expect(fieldNames, p.key).toContain(p.key);
  });

  it('as imported, refuses to load the tag until the permission is narrowed to the collector (the README step)', () => {
    const window: any = {};
    const running = startContainer(container, { window, loadScript: (_u, done) => done(true) });
    window.dataLayer.push({ event: 'gtm.js' });
    expect(running.fired.map((f) => [f.name, f.run.outcome])).toEqual([['Open Conversions - Load', 'failure']]);
    expect(window.clearbit).toBeUndefined();
  });

  it('customized as the README says, loads on every page and identifies from the dataLayer on form submit', () => {
    const mine = customizeContainer(container, {
      collectorUrl: 'https://www.example.com/_cb',
      publishableKey: 'pk_live_abc',
    });
    const policy = readPermissions(parseTpl(mine.containerVersion.customTemplate[0].templateData).permissions);
    expect(policy.injectScript).toEqual(['https://www.example.com/_cb/v1/tag.js']);

    const window: any = {};
    const loads: string[] = [];
    const running = startContainer(mine, { window, loadScript: (url, done) => (loads.push(url), done(true)) });
    const queue = () => window.clearbit.q.map((a: IArguments) => Array.from(a));
    window.dataLayer.push({ 'gtm.start': 1, event: 'gtm.js' });
    window.dataLayer.push({ event: 'form_submit' }); // no email yet: the trigger's filter holds it back
    window.dataLayer.push({ event: 'form_submit', email: 'ada@example.com', company: 'Example Inc' });
    function gtag(..._args: unknown[]) {
      // eslint-disable-next-line prefer-rest-params
      window.dataLayer.push(arguments);
    }
    gtag('consent', 'update', { ad_storage: 'denied' });

    expect(running.fired.map((f) => [f.name, f.event, f.run.outcome])).toEqual([
      ['Open Conversions - Load', 'gtm.js', 'success'],
      ['Open Conversions - Identify on form submit', 'form_submit', 'success'],
    ]);
    expect(running.fired[1].data).toMatchObject({
      email: 'ada@example.com',
      traits: [{ name: 'company', value: 'Example Inc' }],
    });
    expect(loads).toEqual(['https://www.example.com/_cb/v1/tag.js']);
    expect(queue()).toEqual([
      ['load', 'pk_live_abc', 'https://www.example.com/_cb'],
      ['consent', { ads: 'granted' }],
      ['identify', 'ada@example.com', { company: 'Example Inc' }],
      ['consent', { ads: 'denied' }],
    ]);
    expect(running.model).toEqual({
      'gtm.start': 1,
      event: 'form_submit',
      email: 'ada@example.com',
      company: 'Example Inc',
    });
  });
});
