// Deduplication by message id holds for 7 days and ends after them (time is a parameter: no waiting).
import { describe, expect, it } from 'vitest';
import { personKey } from '../../collector/identity';
import type { IdentifyInput, PersonSnapshot } from '../../collector/objects/person';
import { DAY, env } from './helpers';
import { personByKey } from '../../collector/objects/doors';

describe('message id deduplication', () => {
  it('drops a repeat within 7 days and takes it again after', async () => {
    const email = `dedupe-${Date.now()}@example.com`;
    const key = await personKey(env, email);
    const stub = personByKey(env, key);
    // From now on: the object's own alarm prunes with the real clock.
    const t0 = Date.now();
    const input = (now: number, n: number): IdentifyInput => ({
      key,
      email,
      messageId: 'msg_dedupe_window_1',
      anonymousId: null,
      traits: { n },
      traitsSource: 'traits',
      touches: [],
      consent: null,
      ip: null,
      userAgent: null,
      now,
    });
    expect(await stub.identify(input(t0, 1))).toMatchObject({ status: 'stored', created: true });
    expect(await stub.identify(input(t0 + DAY, 2))).toEqual({ status: 'duplicate' });
    expect(await stub.identify(input(t0 + 7 * DAY - 1, 3))).toEqual({ status: 'duplicate' });
    expect(((await stub.snapshot()) as unknown as PersonSnapshot).attributes.traits).toEqual({ n: 1 });
    expect(await stub.identify(input(t0 + 7 * DAY + 1, 4))).toMatchObject({ status: 'stored', created: false });
    expect(((await stub.snapshot()) as unknown as PersonSnapshot).attributes.traits).toEqual({ n: 4 });
  });
});

describe('an identify from a Worker of the previous version (a deploy in progress)', () => {
  it('is stored under signed_traits when it says trusted (the old flag) and names no source, and under traits otherwise', async () => {
    const email = `deploy-compat-${Date.now()}@example.com`;
    const key = await personKey(env, email);
    const stub = personByKey(env, key);
    const old = (messageId: string, traits: Record<string, unknown>, trusted: boolean) =>
      ({
        key,
        email,
        messageId,
        anonymousId: null,
        traits,
        trusted,
        touches: [],
        consent: null,
        ip: null,
        userAgent: null,
        now: Date.now(),
      }) as unknown as IdentifyInput;
    expect(await stub.identify(old('msg_compat_1', { plan: 'pro' }, true))).toMatchObject({ status: 'stored' });
    expect(await stub.identify(old('msg_compat_2', { color: 'blue' }, false))).toMatchObject({ status: 'stored' });
    const attributes = ((await stub.snapshot()) as unknown as PersonSnapshot).attributes;
    expect(attributes.signed_traits).toEqual({ plan: 'pro' });
    expect(attributes.traits).toEqual({ color: 'blue' });
  });
});
