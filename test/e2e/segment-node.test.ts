import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../support/collector';

// The real @segment/analytics-node client, pointed at {collector}/segment, against the collector
// running on local workerd: what a server-side Segment sender sees.
const SK = 'sk_dev_local';
let collector: RunningCollector;

beforeAll(async () => {
  collector = await startCollector();
});

afterAll(async () => {
  await collector?.stop();
});

async function person(email: string): Promise<any> {
  const res = await fetch(`${collector.url}/api/people/${encodeURIComponent(email)}`, {
    headers: { authorization: `Bearer ${SK}` },
  });
  return res.status === 200 ? res.json() : null;
}

/** Polls until `check` passes, by a deadline rather than a count of polls (each poll is slow on a loaded machine). */
async function settled(email: string, check: (p: any) => boolean, timeout = 40_000): Promise<any> {
  for (const deadline = Date.now() + timeout; Date.now() < deadline;) {
    const p = await person(email);
    if (p && check(p)) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
  return person(email);
}

it('analytics-node pointed at {collector}/segment: identify, page and track reach the person, click IDs merged from the visitor', async () => {
  const errors: unknown[] = [];
  const analytics = new Analytics({
    writeKey: SK,
    host: `${collector.url}/segment`,
    flushAt: 3,
    flushInterval: 200,
    maxRetries: 1,
  });
  analytics.on('error', (e) => errors.push(e));
  const anonymousId = `node-${Date.now()}`;
  const email = `${anonymousId}@example.com`;
  const gclid = `Cj0KCQiA_node_${Date.now()}`;
  analytics.page({
    anonymousId,
    name: 'Landing',
    context: {
      page: { url: `https://shop.test/?gclid=${gclid}` },
      ip: '198.51.100.23',
      userAgent: 'Mozilla/5.0 (node test)',
    },
  });
  analytics.track({ anonymousId, event: 'Signed Up', properties: { plan: 'pro' } });
  analytics.identify({ anonymousId, userId: 'db-1', traits: { email, plan: 'pro' }, context: { ip: '198.51.100.23' } });
  await analytics.closeAndFlush({ timeout: 15_000 });
  expect(errors).toEqual([]);

  const p = await settled(email, (x) => x.touches.length > 0);
  // A secret write key is a server-side sender: its traits are trusted, stored under `segment`.
  expect(p.attributes.segment).toEqual({ email, plan: 'pro' });
  expect(p.attributes.traits).toBeUndefined();
  expect(p.touches).toEqual([
    expect.objectContaining({ kind: 'gclid', value: gclid, landingUrl: `https://shop.test/?gclid=${gclid}` }),
  ]);
  expect(p.devices[0]).toMatchObject({ anonymousId, ip: '198.51.100.23' });
});

it("analytics-node identify from a signup handler (userId, the visitor's context.ip and userAgent, no anonymousId) stores the device", async () => {
  const errors: unknown[] = [];
  const analytics = new Analytics({ writeKey: SK, host: `${collector.url}/segment`, flushAt: 1, maxRetries: 1 });
  analytics.on('error', (e) => errors.push(e));
  const email = `backend-${Date.now()}@example.com`;
  analytics.identify({
    userId: 'db-9',
    traits: { email },
    context: { ip: '198.51.100.44', userAgent: 'Mozilla/5.0 (visitor of the signup page)' },
  });
  await analytics.closeAndFlush({ timeout: 15_000 });
  expect(errors).toEqual([]);
  const p = await settled(email, (x) => x.devices.length > 0);
  expect(p.devices).toEqual([
    expect.objectContaining({
      ip: '198.51.100.44',
      userAgent: 'Mozilla/5.0 (visitor of the signup page)',
      country: null,
    }),
  ]);
});

it('analytics-node with host and an explicit /segment/v1/batch path', async () => {
  const errors: unknown[] = [];
  const analytics = new Analytics({
    writeKey: SK,
    host: collector.url,
    path: '/segment/v1/batch',
    flushAt: 1,
    maxRetries: 0,
  });
  analytics.on('error', (e) => errors.push(e));
  const email = `path-${Date.now()}@example.com`;
  analytics.identify({ userId: email, traits: { plan: 'team' } });
  await analytics.closeAndFlush({ timeout: 10_000 });
  expect(errors).toEqual([]);
  expect((await person(email))?.attributes).toEqual({ segment: { plan: 'team' } });
});

it('analytics-node reports the collector refusing an unknown write key', async () => {
  const errors: any[] = [];
  const analytics = new Analytics({
    writeKey: 'sk_wrong',
    host: `${collector.url}/segment`,
    flushAt: 1,
    maxRetries: 0,
  });
  analytics.on('error', (e) => errors.push(e));
  const email = `refused-${Date.now()}@example.com`;
  analytics.identify({ userId: email, traits: { email } });
  await analytics.closeAndFlush({ timeout: 10_000 });
  expect(errors.length).toBeGreaterThan(0);
  expect(String(errors[0].reason?.message)).toContain('401');
  expect(await person(email)).toBeNull();
});
