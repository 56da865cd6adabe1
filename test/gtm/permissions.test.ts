import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { declaredGrants, readPermissions, urlMatches, type Policy } from './permissions';
import { compileSandboxed, fireTag } from './run-template';
import { API_PERMISSIONS, createConsentState, createSandbox } from './sandbox';
import { parseTpl } from './tpl-file';

const tpl = parseTpl(readFileSync(new URL('../../tag/gtm/template.tpl', import.meta.url), 'utf8'));
const policy = readPermissions(tpl.permissions);
const compiled = compileSandboxed(tpl.code);

/** Fires the template through every path it has and returns the grants it used. */
function exercise(p: Policy, collectorUrl: string): Set<string> {
  const used = new Set<string>();
  const flows: [Record<string, unknown>[], boolean][] = [
    [
      [
        { action: 'load', consentSource: 'consentMode' },
        { action: 'identify', email: 'ada@example.com', traits: [{ name: 'plan', value: 'pro' }] },
      ],
      true,
    ],
    [[{ action: 'identify', email: 'nobody', consentSource: 'none' }], true],
    [[{ action: 'load', consentSource: 'none' }], false],
  ];
  for (const [firings, scriptLoads] of flows) {
    const consent = createConsentState();
    const sandbox = createSandbox({
      window: {},
      policy: p,
      consent,
      debug: true,
      loadScript: (_u, done) => done(scriptLoads),
    });
    for (const fields of firings)
      fireTag(compiled, sandbox.require, { collectorUrl, publishableKey: 'pk_test_1', ...fields });
    consent.update({ ad_storage: 'denied', ad_user_data: 'denied' });
    for (const g of sandbox.used) used.add(g);
  }
  return used;
}

describe('the permissions section', () => {
  it('declares exactly the permissions the required APIs need', () => {
    const required = [...tpl.code.matchAll(/require\('([A-Za-z]+)'\)/g)].map((m) => m[1]);
    for (const api of required) expect(API_PERMISSIONS, `harness knows ${api}`).toHaveProperty(api);
    const needed = new Set(required.flatMap((api) => API_PERMISSIONS[api]));
    expect([...needed].sort()).toEqual([...policy.permissionIds].sort());
  });

  it('grants exactly what the code uses: every grant is exercised, nothing used is missing', () => {
    const used = exercise(policy, 'https://collector.example.com');
    expect([...used].sort()).toEqual(declaredGrants(policy));
  });

  it('is as narrow as a template written before the collector URL is known can be', () => {
    expect([...policy.globals.keys()].sort()).toEqual(['clearbit', 'clearbit.q']);
    expect(policy.globals.get('clearbit.q')).toEqual({ read: true, write: true, execute: false });
    expect(policy.injectScript).toEqual(['https://*/v1/tag.js']);
    expect(policy.logging).toBe('debug');
    expect([...policy.consent.entries()]).toEqual([
      ['ad_storage', { read: true, write: false }],
      ['ad_user_data', { read: true, write: false }],
    ]);
  });

  it('narrowed on import to one collector (the README step), allows that tag.js and nothing else', () => {
    const narrowed = readPermissions(
      JSON.parse(
        JSON.stringify(tpl.permissions).replace('https://*/v1/tag.js', 'https://www.example.com/_cb/v1/tag.js'),
      ),
    );
    expect(narrowed.injectScript).toEqual(['https://www.example.com/_cb/v1/tag.js']);
    const used = exercise(narrowed, 'https://www.example.com/_cb/');
    expect(used).toContain('inject_script:https://www.example.com/_cb/v1/tag.js');
    const sandbox = createSandbox({ window: {}, policy: narrowed, loadScript: (_u, done) => done(true) });
    for (const other of ['https://collector.example.com', 'https://www.example.com', 'https://evil.example/_cb']) {
      const run = fireTag(compiled, sandbox.require, {
        collectorUrl: other,
        publishableKey: 'pk_test_1',
        action: 'load',
        consentSource: 'none',
      });
      expect(run.outcome, other).toBe('failure');
    }
  });
});

describe('URL match patterns', () => {
  it('match https URLs by host, optional port and a path with * wildcards', () => {
    expect(urlMatches('https://*/v1/tag.js', 'https://c.example.com/v1/tag.js')).toBe(true);
    expect(urlMatches('https://*/v1/tag.js', 'https://c.example.com/_cb/v1/tag.js')).toBe(false);
    expect(urlMatches('https://*/v1/tag.js', 'http://c.example.com/v1/tag.js')).toBe(false);
    expect(urlMatches('https://*/v1/tag.js', 'https://c.example.com:8443/v1/tag.js')).toBe(false);
    expect(urlMatches('https://*.example.com/*', 'https://a.b.example.com/x.js')).toBe(true);
    expect(urlMatches('https://*.example.com/*', 'https://example.com.evil.test/x.js')).toBe(false);
    expect(urlMatches('https://www.example.com/_cb/v1/tag.js', 'https://www.example.com/_cb/v1/tag.js')).toBe(true);
    expect(urlMatches('https://www.example.com/_cb/v1/tag.js', 'https://user@www.example.com/_cb/v1/tag.js')).toBe(
      false,
    );
    expect(() => urlMatches('http://*/x', 'http://a/x')).toThrow();
  });
});
