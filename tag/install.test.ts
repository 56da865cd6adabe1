import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collector, load, newSite, page, settle, started, teardown } from './testing';

const HOST = 'https://collector.test';
let c: ReturnType<typeof collector>;
const cb = () => (window as any).clearbit;

beforeEach(() => {
  newSite();
  c = collector();
});
afterEach(teardown);

describe('window.clearbit', () => {
  it('replays the snippet queue in order, after the setup calls wherever they were queued', async () => {
    await load('/', [
      ['identify', 'first@example.com'],
      ['track', 'Signed Up', { plan: 'pro' }],
      ['identify', 'second@example.com'],
      ['load', 'pk_test', HOST],
    ]);
    await vi.waitFor(() => expect(c.events().filter((e) => e.type == 'identify')).toHaveLength(2));
    expect(
      c
        .events()
        .filter((e) => e.type == 'identify')
        .map((e) => e.email),
    ).toEqual(['first@example.com', 'second@example.com']);
    expect(c.sent[0]!.url).toBe(`${HOST}/v1/collect`);
    expect(c.sent[0]!.body.key).toBe('pk_test');
  });

  it('replays a queue built the GTM way (createArgumentsQueue) and keeps taking calls through it', async () => {
    await page('/');
    // What GTM's createArgumentsQueue('clearbit', 'clearbit.q') leaves on the page.
    const w = window as any;
    w.clearbit = function () {
      w.clearbit.q.push(arguments);
    };
    w.clearbit.q = [];
    const gtmQueue = w.clearbit;
    w.clearbit('identify', 'gtm@example.com', { source: 'gtm' });
    w.clearbit('config', { key: 'pk_gtm', host: HOST + '/' });
    const { install } = await import('./install');
    install(window);
    expect(cb().initialize).toBe(true);
    w.clearbit('identify', 'after@example.com');
    gtmQueue.q.push(['identify', 'late-push@example.com']);
    await vi.waitFor(() => expect(c.events()).toHaveLength(3));
    expect(c.events().map((e) => [e.email, e.traits])).toEqual([
      ['gtm@example.com', { source: 'gtm' }],
      ['after@example.com', {}],
      ['late-push@example.com', {}],
    ]);
    expect(c.sent.every((s) => s.body.key == 'pk_gtm')).toBe(true);
  });

  it('takes the host from its own script URL when the queue does not name one', async () => {
    await page('/');
    const script = document.createElement('script');
    script.src = 'https://example.com/_cb/v1/tag.js';
    Object.defineProperty(document, 'currentScript', { value: script, configurable: true });
    (window as any).clearbit = [
      ['load', 'pk_test'],
      ['identify', 'me@example.com'],
    ];
    const { install } = await import('./install');
    install(window);
    delete (document as any).currentScript;
    await vi.waitFor(() => expect(c.sent).not.toEqual([]));
    expect(c.sent[0]!.url).toBe('https://example.com/_cb/v1/collect');
  });

  it("accepts Clearbit's identify(userId, {email}) and the short identify(email, traits), with options and a callback", async () => {
    await load('/');
    const done = vi.fn();
    cb().identify('user-42', { email: 'Ada@Example.com', plan: 'pro' }, { signature: 'ab12' }, done);
    cb().identify('bob@example.com', { plan: 'free' }, done);
    cb().identify({ email: 'carol@example.com', name: 'Carol' }, done);
    cb().identify('dan@example.com', done);
    await vi.waitFor(() => expect(done).toHaveBeenCalledTimes(4));
    // A callback may run on its 500 ms timer before its event went out (a busy machine).
    await vi.waitFor(() => expect(c.events()).toHaveLength(4), { timeout: 3000 });
    expect(c.events().map(({ email, userId, traits, signature }) => ({ email, userId, traits, signature }))).toEqual([
      {
        email: 'Ada@Example.com',
        userId: 'user-42',
        traits: { email: 'Ada@Example.com', plan: 'pro' },
        signature: 'ab12',
      },
      { email: 'bob@example.com', userId: undefined, traits: { plan: 'free' }, signature: undefined },
      {
        email: 'carol@example.com',
        userId: undefined,
        traits: { email: 'carol@example.com', name: 'Carol' },
        signature: undefined,
      },
      { email: 'dan@example.com', userId: undefined, traits: {}, signature: undefined },
    ]);
    expect(done).toHaveBeenCalledTimes(4);
  });

  it('sends nothing and warns when identify has no email', async () => {
    await load('/');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const done = vi.fn();
    cb().identify('user-42', { plan: 'pro' }, done);
    cb().identify('not-an-email');
    cb().identify();
    await settle();
    expect(c.events().filter((e) => e.type == 'identify')).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(3);
    expect(warn.mock.calls[0]![0]).toMatch(/identify needs an email/);
    expect(done).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it('carries every unexpired touch, fbp, the anonymous id, page context and consent on identify', async () => {
    await load('/landing?gclid=Cj0KCQ-identify-test&msclkid=8f0e6b2a1c9d4e7fb3a5c1d2e3f4a5b6');
    await load('/contact');
    cb().identify('ada@example.com');
    await vi.waitFor(() => expect(c.events().find((e) => e.type == 'identify')).toBeDefined());
    const identify = c.events().find((e) => e.type == 'identify');
    const { ledger } = await import('./ledger');
    expect(identify).toMatchObject({
      anonymousId: ledger().a,
      messageId: expect.stringMatching(/^[\w-]{16,64}$/),
      context: { page: { url: location.href }, consent: { ads: 'unknown' } },
    });
    expect(identify.touches.map((t: any) => t.kind).sort()).toEqual(['fbp', 'gclid', 'msclkid']);
    expect(JSON.stringify(identify)).not.toContain('"raw":undefined');
  });

  it('sends click IDs as they are captured, keyed by the anonymous id, then with the person token after identify', async () => {
    c = collector((s) => ({
      status: 200,
      body: {
        accepted: s.body.events.length,
        duplicates: 0,
        rejected: [],
        ...(s.body.events.some((e: any) => e.type == 'identify') && { token: 'tok-1' }),
      },
    }));
    await load('/landing?gclid=Cj0KCQ-touch-test');
    await vi.waitFor(() => expect(c.events()).toHaveLength(1));
    cb().identify('ada@example.com');
    await vi.waitFor(() => expect(c.events()).toHaveLength(2));
    await load('/next?fbclid=IwAR_after_identify');
    await vi.waitFor(() => expect(c.events()).toHaveLength(3));
    expect(
      c.events().map((e) => [
        e.type,
        e.token,
        e.touches
          .map((t: any) => t.kind)
          .sort()
          .join(),
      ]),
    ).toEqual([
      ['touch', undefined, 'fbp,gclid'],
      ['identify', undefined, 'fbp,gclid'],
      ['touch', 'tok-1', 'fbclid,fbp,gclid'],
    ]);
    await load('/again');
    await settle();
    expect(c.events()).toHaveLength(3); // nothing new, nothing sent
  });

  it('captures single-page-app navigations (pushState, replaceState, popstate)', async () => {
    await load('/');
    history.pushState({}, '', '/pricing?gclid=Cj0KCQ-pushed-state');
    (window as any).happyDOM.setURL(location.origin + '/back?ttclid=E.C.P.popped-state-value');
    window.dispatchEvent(new PopStateEvent('popstate'));
    await vi.waitFor(() =>
      expect(
        c
          .events()
          .flatMap((e) => e.touches)
          .map((t: any) => t.kind),
      ).toContain('ttclid'),
    );
    const touches = c.events().flatMap((e) => e.touches);
    expect(touches.find((t: any) => t.kind == 'gclid')).toMatchObject({
      value: 'Cj0KCQ-pushed-state',
      landingUrl: expect.stringContaining('/pricing?gclid='),
    });
    expect(touches.find((t: any) => t.kind == 'ttclid')).toMatchObject({
      value: 'E.C.P.popped-state-value',
      referrer: expect.stringContaining('/pricing'),
    });
  });

  it('accepts the legacy stub methods, keeps a second tag.js from installing again, and never throws into the page', async () => {
    await load('/');
    const api = cb();
    for (const m of [
      'track',
      'group',
      'alias',
      'trackSubmit',
      'trackClick',
      'trackLink',
      'trackForm',
      'pageview',
      'once',
      'off',
      'on',
      'page',
      'reset',
    ]) {
      expect(() => api[m]('x', {}, () => {})).not.toThrow();
    }
    const circular: any = {};
    circular.self = circular;
    expect(() => api.identify('a@example.com', circular)).not.toThrow();
    expect(() =>
      api.ready(() => {
        throw new Error('host page bug');
      }),
    ).not.toThrow();
    expect(() => api.consent('yes')).not.toThrow();
    expect(() => api('no-such-method')).not.toThrow();
    const { install } = await import('./install');
    expect(install(window)).toBe(api);
  });

  it('takes Segment-style page(name, properties) calls without mistaking them for a time', async () => {
    await load('/');
    (window as any).happyDOM.setURL(location.origin + '/pricing?gclid=Cj0KCQ-page-with-args');
    cb().page('Pricing', { plan: 'pro' });
    await vi.waitFor(() =>
      expect(
        c
          .events()
          .flatMap((e) => e.touches)
          .find((t: any) => t.kind == 'gclid'),
      ).toMatchObject({ firstSeen: expect.any(Number) }),
    );
  });

  it('with the snippet stub alone (key and host on it, no queued load), starts its sender when idle and sends what an earlier page left', async () => {
    const leftover = {
      type: 'identify',
      messageId: 'left-0001',
      timestamp: Date.now(),
      context: { page: { url: 'https://x.test/', referrer: '' }, consent: { ads: 'unknown' } },
      args: ['left@example.com'],
    };
    localStorage.setItem('_cb_outbox', JSON.stringify({ q: [leftover] }));
    await load('/', [], (w) => Object.assign(w.clearbit, { _key: 'pk_test', _host: HOST }));
    await vi.waitFor(() =>
      expect(c.events().map((e) => [e.messageId, e.email])).toEqual([['left-0001', 'left@example.com']]),
    );
    expect(c.sent[0]!.body.key).toBe('pk_test');
  });

  it('ready(fn) runs fn once the tag is installed', async () => {
    const ran = vi.fn();
    await load('/', [
      ['load', 'pk_test', HOST],
      ['ready', ran],
    ]);
    expect(ran).toHaveBeenCalledOnce();
  });

  it('reset() forgets the anonymous id, the token and the click IDs', async () => {
    await load('/landing?gclid=Cj0KCQ-before-reset');
    const { ledger } = await import('./ledger');
    const before = ledger().a;
    cb().reset();
    await started();
    expect(localStorage.getItem('_cb_state')).toBeNull();
    cb().identify('next@example.com');
    await vi.waitFor(() => expect(c.events().find((e) => e.type == 'identify')).toBeDefined());
    const identify = c.events().find((e) => e.type == 'identify');
    expect(identify.anonymousId).not.toBe(before);
    expect(identify.touches.filter((t: any) => t.kind == 'gclid')).toEqual([]);
  });
});
