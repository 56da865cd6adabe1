import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPermissions } from './permissions';
import { compileSandboxed, fireTag } from './run-template';
import { createConsentState, createSandbox, PermissionError, type ConsentState } from './sandbox';
import { runTemplateTests } from './template-tests';
import { parseTpl } from './tpl-file';

const TEMPLATE = new URL('../../tag/gtm/template.tpl', import.meta.url);
const tpl = parseTpl(readFileSync(TEMPLATE, 'utf8'));
const policy = readPermissions(tpl.permissions);
const compiled = compileSandboxed(tpl.code);

const URL_ = 'https://collector.example.com';

/** A page: a window, Consent Mode, and scripts that load when the test says so. */
function page(consent: ConsentState = createConsentState()) {
  const window: Record<string, any> = {};
  const pending: { url: string; done: (ok: boolean) => void }[] = [];
  const sandbox = createSandbox({
    window,
    policy,
    consent,
    debug: true,
    loadScript: (url, done) => pending.push({ url, done }),
  });
  const fire = (fields: Record<string, unknown>) =>
    fireTag(compiled, sandbox.require, {
      collectorUrl: URL_,
      publishableKey: 'pk_test_1',
      consentSource: 'consentMode',
      ...fields,
    });
  const queue = () => (window.clearbit?.q ?? []).map((args: IArguments) => Array.from(args));
  return { window, sandbox, pending, fire, queue, consent };
}

describe('template.tpl as a file', () => {
  it('has the sections GTM exports, in its order, with the Gallery terms accepted', () => {
    expect(tpl.order).toEqual([
      'TERMS_OF_SERVICE',
      'INFO',
      'TEMPLATE_PARAMETERS',
      'SANDBOXED_JS_FOR_WEB_TEMPLATE',
      'WEB_PERMISSIONS',
      'TESTS',
      'NOTES',
    ]);
    expect(tpl.sections.TERMS_OF_SERVICE).toContain('Community\nTemplate Gallery Developer Terms of Service');
    expect(tpl.info).toMatchObject({ type: 'TAG', id: 'cvt_temp_public_id', version: 1, containerContexts: ['WEB'] });
    expect(tpl.info.categories.length).toBeGreaterThan(0);
  });

  it('offers the collector URL, publishable key, identify fields, the consent source and the cookie domain', () => {
    const names = (params: any[]): string[] =>
      params.flatMap((p) => [p.name, ...(p.subParams ? names(p.subParams) : [])]);
    expect(names(tpl.parameters)).toEqual([
      'collectorUrl',
      'publishableKey',
      'action',
      'email',
      'traits',
      'consentGroup',
      'consentSource',
      'cookieGroup',
      'cookieDomain',
    ]);
    const cookieDomain = tpl.parameters.find((p) => p.name === 'cookieGroup').subParams[0];
    const domainRule = new RegExp(cookieDomain.valueValidators.find((v: any) => v.type === 'REGEX').args[0]);
    for (const ok of ['', 'auto', 'none', 'example.com', '.example.co.uk']) expect(domainRule.test(ok), ok).toBe(true);
    for (const bad of ['https://example.com', 'example.com/', 'exa mple.com'])
      expect(domainRule.test(bad), bad).toBe(false);
    const byName = Object.fromEntries(tpl.parameters.map((p) => [p.name, p]));
    const urlRule = new RegExp(byName.collectorUrl.valueValidators.find((v: any) => v.type === 'REGEX').args[0]);
    expect(urlRule.test('https://www.example.com/_cb')).toBe(true);
    expect(urlRule.test('http://www.example.com')).toBe(false);
    expect(urlRule.test('https://www.example.com/?x=1')).toBe(false);
    const keyRule = new RegExp(byName.publishableKey.valueValidators.find((v: any) => v.type === 'REGEX').args[0]);
    expect(keyRule.test('pk_live_abc')).toBe(true);
    expect(keyRule.test('sk_live_abc')).toBe(false);
    expect(byName.email.enablingConditions).toEqual([{ paramName: 'action', paramValue: 'identify', type: 'EQUALS' }]);
  });
});

describe('the ___TESTS___ section', () => {
  const results = runTemplateTests(tpl, policy);

  it('has scenarios, and every one passes in the harness', () => {
    expect(results.length).toBeGreaterThanOrEqual(8);
    expect(results.filter((r) => !r.passed)).toEqual([]);
  });

  it('fails when the template misbehaves (the runner is not a rubber stamp)', () => {
    const broken = {
      ...tpl,
      code: tpl.code.replace("callInWindow('clearbit', 'load', data.publishableKey, collectorUrl);", ''),
    };
    const failed = runTemplateTests(broken, policy).filter((r) => !r.passed);
    expect(failed.map((r) => r.name)).toContain(
      "Load queues 'load' first, then consent, and injects the tag from the collector",
    );
  });
});

describe('the template against a page', () => {
  it('builds the GTM queue tag.js replays: load first, then consent, then identify', () => {
    const p = page();
    const load = p.fire({ action: 'load' });
    const identify = p.fire({ action: 'identify', email: 'ada@example.com', traits: [{ name: 'plan', value: 'pro' }] });
    expect(typeof p.window.clearbit).toBe('function');
    expect(p.queue()).toEqual([
      ['load', 'pk_test_1', URL_],
      ['consent', { ads: 'granted' }],
      ['identify', 'ada@example.com', { plan: 'pro' }],
    ]);
    // One script for both firings (the cache token), and both tags succeed once it has loaded.
    expect(p.pending.map((s) => s.url)).toEqual([`${URL_}/v1/tag.js`]);
    expect([load.outcome, identify.outcome]).toEqual(['pending', 'pending']);
    p.pending[0].done(true);
    expect([load.outcome, identify.outcome]).toEqual(['success', 'success']);
  });

  it('calls the loaded tag directly once window.clearbit is the real thing', () => {
    const p = page();
    p.fire({ action: 'load' });
    p.pending[0].done(true);
    const received: unknown[][] = [];
    p.window.clearbit = (...args: unknown[]) => received.push(args);
    const run = p.fire({ action: 'identify', email: 'grace@example.com' });
    expect(received).toEqual([['identify', 'grace@example.com', {}]]);
    expect(run.outcome).toBe('success');
    expect(p.pending).toHaveLength(1);
  });

  it('maps Consent Mode to ads consent and passes every change on', () => {
    const consent = createConsentState({ ad_storage: 'denied', ad_user_data: 'granted' });
    const p = page(consent);
    p.fire({ action: 'load' });
    consent.update({ ad_storage: 'granted' });
    consent.update({ ad_user_data: 'denied' });
    consent.update({ analytics_storage: 'denied' });
    expect(p.queue().filter((c: unknown[]) => c[0] === 'consent')).toEqual([
      ['consent', { ads: 'denied' }],
      ['consent', { ads: 'granted' }],
      ['consent', { ads: 'denied' }],
    ]);
  });

  it('sends no consent when told to leave it to the tag', () => {
    const p = page(createConsentState({ ad_storage: 'denied' }));
    p.fire({ action: 'load', consentSource: 'none' });
    expect(p.queue()).toEqual([['load', 'pk_test_1', URL_]]);
  });

  it('refuses an identify without an email and leaves the page untouched', () => {
    const p = page();
    for (const email of [undefined, '', 'not-an-email', 42]) {
      expect(p.fire({ action: 'identify', email }).outcome).toBe('failure');
    }
    expect(p.window.clearbit).toBeUndefined();
    expect(p.pending).toEqual([]);
    // The debug log explains, without repeating the value.
    expect(p.sandbox.logs.flat().join(' ')).toContain('identify needs an email');
    expect(p.sandbox.logs.flat().join(' ')).not.toContain('not-an-email');
  });

  it('fails cleanly when the collector is outside the inject_script permission or tag.js does not load', () => {
    let p = page();
    expect(p.fire({ action: 'load', collectorUrl: 'http://collector.example.com' }).outcome).toBe('failure');
    expect(p.window.clearbit).toBeUndefined();
    p = page();
    const run = p.fire({ action: 'load' });
    p.pending[0].done(false);
    expect(run.outcome).toBe('failure');
  });

  it('steps aside when the paste-in snippet already owns window.clearbit', () => {
    const p = page();
    const snippet: unknown[] = [];
    p.window.clearbit = snippet;
    expect(p.fire({ action: 'identify', email: 'ada@example.com' }).outcome).toBe('failure');
    expect(p.window.clearbit).toBe(snippet);
    expect(snippet).toEqual([]);
  });
});

describe('the sandbox harness', () => {
  it('refuses globals the sandbox does not have and syntax it does not parse', () => {
    const sandbox = createSandbox({ window: {}, policy, loadScript: () => {} });
    for (const code of ['window.x = 1;', 'const t = JSON.stringify({});', 'setTimeout(data.gtmOnSuccess, 0);']) {
      expect(fireTag(compileSandboxed(code), sandbox.require, {}).error).toBeInstanceOf(ReferenceError);
    }
    for (const code of [
      'const d = new Date();',
      'const f = `x`;',
      'const {a} = data;',
      'const g = function () { return this; };',
    ]) {
      expect(() => compileSandboxed(code)).toThrow(SyntaxError);
    }
  });

  it('enforces the permissions: a global or a script URL the template did not declare throws', () => {
    const sandbox = createSandbox({ window: {}, policy, loadScript: () => {} });
    const run = (code: string) => fireTag(compileSandboxed(code), sandbox.require, {}).error;
    expect(run("require('callInWindow')('dataLayer.push', {});")).toBeInstanceOf(PermissionError);
    expect(run("require('copyFromWindow')('clearbit.q');")).toBeUndefined();
    expect(run("require('createArgumentsQueue')('clearbit', 'dataLayer');")).toBeInstanceOf(PermissionError);
    expect(run("require('injectScript')('https://evil.example/v1/tag.js.js', data.gtmOnSuccess);")).toBeInstanceOf(
      PermissionError,
    );
    expect(run("require('isConsentGranted')('analytics_storage');")).toBeInstanceOf(PermissionError);
  });
});
