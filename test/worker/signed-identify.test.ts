import { describe, expect, it } from 'vitest';
import { hmacHex } from '../../collector/identity';
import { anonId, collect, identifyEvent, person, PK } from './helpers';

const SIGNING = 'dev-identify-signing-secret';

describe('signed identifies', () => {
  it('store the traits of a correctly signed identify as trusted (signed_traits), unsigned ones as traits', async () => {
    const email = `Signed-${anonId()}@Example.com`;
    const signature = await hmacHex(SIGNING, email.trim().toLowerCase());
    const res = await collect({
      key: PK,
      events: [identifyEvent(email, { traits: { plan: 'enterprise' }, signature })],
    });
    expect(res.status).toBe(200);
    await collect({ key: PK, events: [identifyEvent(email, { traits: { plan: 'free', note: 'typed in a form' } })] });
    const p = await person(email);
    expect(p.attributes.signed_traits).toEqual({ plan: 'enterprise' });
    expect(p.attributes.traits).toEqual({ plan: 'free', note: 'typed in a form' });
  });

  it('reject an identify whose signature does not match its email, storing nothing', async () => {
    const email = `forged-${anonId()}@example.com`;
    const signature = await hmacHex(SIGNING, 'someone-else@example.com');
    const res = await collect({
      key: PK,
      events: [identifyEvent(email, { traits: { plan: 'enterprise' }, signature })],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe('invalid_signature');
    expect(body.error.issues[0]).toMatchObject({ index: 0, code: 'invalid_signature' });
    expect(await person(email)).toBeNull();
  });

  it('reject a signature that is not 64 hex characters', async () => {
    const res = await collect({
      key: PK,
      events: [identifyEvent(`short-${anonId()}@example.com`, { signature: 'abc' })],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.issues[0].code).toBe('invalid_event');
  });
});
