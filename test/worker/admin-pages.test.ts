import { describe, expect, it } from 'vitest';
import { api, collect, identifyEvent } from './helpers';
import { get, signIn } from './admin-helpers';

function unescape(html: string) {
  return html
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

describe('admin pages', { timeout: 20_000 }, () => {
  it('the person page shows attributes by source with update times, touches and devices', async () => {
    const firstSeen = Date.UTC(2026, 10, 20, 9, 30, 0);
    const res = await collect({
      key: 'pk_dev_local',
      events: [
        identifyEvent('Page.Person@Example.com', {
          anonymousId: 'anon_page_1',
          traits: { plan: 'enterprise', company: { name: 'Acme', size: 250 } },
          touches: [
            {
              kind: 'gclid',
              value: 'Cj0KCQpage_gclid',
              firstSeen,
              landingUrl: 'https://site.example/pricing?gclid=Cj0KCQpage_gclid',
              referrer: 'https://www.google.com/',
            },
          ],
        }),
      ],
    });
    expect(res.status).toBe(200);
    const { cookies } = await signIn();
    const page = await get('/admin/people/page.person%40example.com', cookies);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<h1>page.person@example.com</h1>');
    expect(html).toContain('Identify traits');
    expect(html).toContain('<code>traits.plan</code>');
    expect(html).toContain('<code>traits.company.name</code>');
    expect(html).toContain('<dd>Acme</dd>');
    expect(html).toContain('<dd>250</dd>');
    expect(html).toContain('Cj0KCQpage_gclid');
    expect(html).toContain('2026-11-20 09:30:00 UTC');
    expect(html).toContain('href="https://site.example/pricing?gclid=Cj0KCQpage_gclid"');
    expect(html).toContain('anon_page_1');
  });

  it('finding a person by email goes to their page; unknown people and bad input answer inline', async () => {
    const { cookies } = await signIn();
    const found = await get('/admin/people?email=%20Someone%40Example.com%20', cookies);
    expect(found.status).toBe(303);
    expect(found.headers.get('location')).toBe('/admin/people/someone%40example.com');
    const unknown = await get('/admin/people/nobody%40example.com', cookies);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('Nobody with the email nobody@example.com has been seen yet.');
    const bad = await get('/admin/people/not-an-email', cookies);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('role="alert"');
  });

  it('the install page shows the same snippet and tag URL as /api/install', async () => {
    const expected = (await (await api('/api/install')).json()) as {
      publishableKey: string;
      tagUrl: string;
      snippet: string;
    };
    const { cookies } = await signIn();
    const html = await (await get('/admin/install', cookies)).text();
    const textarea = /<textarea id="snippet"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)![1];
    expect(unescape(textarea)).toBe(expected.snippet);
    expect(html).toContain(`<code>${expected.tagUrl}</code>`);
    expect(html).toContain(`<code id="publishable-key">${expected.publishableKey}</code>`);
  });

  it('/admin itself goes to the first section', async () => {
    const { cookies } = await signIn();
    for (const path of ['/admin', '/admin/']) {
      const res = await get(path, cookies);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/admin/overview');
    }
  });
});

describe('GTM downloads', { timeout: 20_000 }, () => {
  it('the container carries this collector and key, with the template allowed only this tag.js', async () => {
    const { cookies } = await signIn();
    expect((await get('/admin/install/gtm-container.json')).status).toBe(303);
    const res = await get('/admin/install/gtm-container.json', cookies);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const container = (await res.json()) as any;
    const constants = Object.fromEntries(
      container.containerVersion.variable.map((v: any) => [
        v.name,
        v.parameter.find((p: any) => p.key === 'value')?.value,
      ]),
    );
    expect(constants['Open Conversions - Collector URL']).toBe('http://collector.test');
    expect(constants['Open Conversions - Publishable key']).toBe('pk_dev_local');
    const tpl = container.containerVersion.customTemplate[0].templateData as string;
    expect(tpl).toContain('"string": "http://collector.test/v1/tag.js"');
    expect(tpl).not.toContain('https://*/v1/tag.js');
    const alone = await get('/admin/install/gtm-template.tpl', cookies);
    expect(await alone.text()).toBe(tpl);
  });
});

describe('gtmContainerFor', () => {
  it('makes the same container as the manual steps of the GTM guide', async () => {
    const { gtmContainerFor } = await import('../../collector/admin/gtm-container');
    const { customizeContainer } = await import('../gtm/customize-container');
    const exported = (await import('../../tag/gtm/container.json')).default;
    const settings = { collectorUrl: 'https://www.example.com/_cb', publishableKey: 'pk_live_abc' };
    expect(gtmContainerFor(settings.collectorUrl, settings.publishableKey)).toEqual(
      customizeContainer(exported, settings),
    );
  });
});

describe('Segment settings', { timeout: 20_000 }, () => {
  it('shows the endpoints, and leaves a secret set in the environment alone', async () => {
    const { cookies, csrf } = await signIn();
    const html = await (await get('/admin/install', cookies)).text();
    expect(html).toContain('<code>http://collector.test/segment/webhook</code>');
    expect(html).toContain('set in the environment (SEGMENT_WEBHOOK_SECRET)');
    expect(html).not.toContain('Generate a shared secret');
    const { post } = await import('./admin-helpers');
    const res = await post('/admin/install/segment-secret', { _csrf: csrf }, cookies);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('change it there');
  });

  it('generates a secret the webhook then checks, shown once, and removes it', async () => {
    const { generateSegmentSecret, segmentSecretSource, clearSegmentSecret } =
      await import('../../collector/admin/segment-secret');
    const { env } = await import('./helpers');
    const bare = { ...env, SEGMENT_WEBHOOK_SECRET: undefined };
    expect(await segmentSecretSource(bare)).toBe('none');
    const secret = await generateSegmentSecret(bare);
    expect(secret).toMatch(/^whsec_[0-9a-f]{48}$/);
    expect(await segmentSecretSource(bare)).toBe('admin');
    const { configObject } = await import('../../collector/objects/doors');
    expect(await configObject(env).setting('segment_webhook_secret')).toBe(secret);
    await clearSegmentSecret(bare);
    expect(await segmentSecretSource(bare)).toBe('none');
  });
});
