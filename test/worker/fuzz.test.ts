import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { identifyEvent, PK, SK, touchEvent } from './helpers';
import {
  fastCall as call,
  fastCollect as collect,
  fastPerson as person,
  fastUpsertPeople as upsertPeople,
  fuzzRuns,
  fuzzTimeout,
  printRequests,
  prototypeClean,
  randomIp,
  settleWaitUntil,
} from './fuzz-runs';

// Random junk never yields a 5xx, and a request refused as a whole changes nothing. Emails come
// from a small fixed pool so the state check covers every person a junk request could touch.
const POOL = ['fuzz-a@example.com', 'fuzz-b@example.com', 'fuzz-c@example.com'];
const email = fc.constantFrom(...POOL);
// Accepted /v1/people rows are applied later, through the queue: the Segment property, which compares
// state, uses its own pool so an upsert still in flight from the property before cannot land in it.
const segmentEmail = fc.constantFrom('fuzz-seg-a@example.com', 'fuzz-seg-b@example.com', 'fuzz-seg-c@example.com');
// JSON.parse('{"__proto__": ...}') makes an own __proto__ key, as an attacker's body would.
const polluting = fc
  .constantFrom(
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"a":{"__proto__":{"polluted":1}}}',
  )
  .map((t) => JSON.parse(t) as unknown);
const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 40 }),
  fc.constant(null),
  fc.integer(),
  polluting,
  fc.dictionary(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'a'),
    fc.jsonValue({ maxDepth: 2 }),
  ),
);

async function poolState(e: string): Promise<string> {
  return JSON.stringify(await person(e));
}

function mutate(base: Record<string, unknown>, key: string, value: unknown) {
  const copy: Record<string, unknown> = { ...base };
  if (value === undefined) delete copy[key];
  else copy[key] = value;
  return copy;
}

const runs = { numRuns: fuzzRuns(30), endOnFailure: true };
const TIMEOUT = fuzzTimeout(runs.numRuns) * 2;

describe('fast-check: junk never yields a 5xx or a state change', () => {
  afterEach(async () => {
    await settleWaitUntil();
    expect(prototypeClean()).toBe(true);
  });
  afterAll(() => printRequests('fuzz.test.ts', runs.numRuns));

  it(
    '/v1/collect with mutated events',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          email,
          fc.constantFrom(
            'type',
            'messageId',
            'anonymousId',
            'email',
            'traits',
            'touches',
            'signature',
            'token',
            'context',
            'timestamp',
            'extra',
          ),
          junk,
          async (e, field, value) => {
            const event = mutate(identifyEvent(e), field, value);
            const before = await poolState(e);
            const res = await collect({ key: PK, events: [event] }, { 'cf-connecting-ip': randomIp() });
            expect(res.status).toBeLessThan(500);
            expect(res.headers.get('content-type')).toContain('application/json');
            if (res.status >= 400) expect(await poolState(e)).toBe(before);
          },
        ),
        runs,
      );
    },
    TIMEOUT,
  );

  it(
    '/v1/collect with mutated touches and raw junk bodies',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('kind', 'value', 'firstSeen', 'lastSeen', 'landingUrl', 'raw'),
          junk,
          fc.string({ maxLength: 200 }),
          async (field, value, body) => {
            const touch = mutate({ kind: 'gclid', value: 'Cj0KCQiA_fuzz_1234', firstSeen: Date.now() }, field, value);
            const res = await collect(
              { key: PK, events: [touchEvent('anon_fuzz_0001', [touch])] },
              { 'cf-connecting-ip': randomIp() },
            );
            expect(res.status).toBeLessThan(500);
            const raw = await collect(body, { 'cf-connecting-ip': randomIp() });
            expect(raw.status).toBeLessThan(500);
            expect(raw.status).toBeGreaterThanOrEqual(400);
          },
        ),
        runs,
      );
    },
    TIMEOUT,
  );

  it(
    '/v1/people with mutated rows',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          email,
          fc.constantFrom('email', 'source', 'attributes', 'extra'),
          junk,
          async (e, field, value) => {
            const row = mutate({ email: e, source: 'crm', attributes: { a: 1 } }, field, value);
            const res = await upsertPeople({ people: [row] });
            expect(res.status).toBeLessThan(500);
            if (res.status !== 202) expect([400, 413]).toContain(res.status);
            const whole = await upsertPeople(value === undefined ? 'null' : JSON.stringify(value));
            expect(whole.status).toBeLessThan(500);
          },
        ),
        runs,
      );
    },
    TIMEOUT,
  );

  it(
    'Segment endpoints with mutated messages and unsigned webhooks',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          segmentEmail,
          fc.constantFrom('type', 'userId', 'anonymousId', 'traits', 'context', 'messageId', 'timestamp'),
          junk,
          fc.constantFrom('identify', 'i', 'batch', 'p', 't'),
          async (e, field, value, path) => {
            const msg = mutate(
              { type: 'identify', userId: 'u', traits: { email: e }, anonymousId: 'anon_fuzz_seg' },
              field,
              value,
            );
            const before = await poolState(e);
            const body =
              path === 'batch'
                ? { batch: [msg] }
                : path === 'identify' || path === 'i'
                  ? msg
                  : { ...msg, type: undefined };
            const res = await call(`/segment/v1/${path}`, {
              method: 'POST',
              headers: { authorization: `Basic ${btoa(`${SK}:`)}`, 'cf-connecting-ip': randomIp() },
              body: JSON.stringify(body),
            });
            expect(res.status).toBeLessThan(500);
            if (res.status >= 400) expect(await poolState(e)).toBe(before);
            const hook = await call('/segment/webhook', {
              method: 'POST',
              headers: { 'x-signature': 'a'.repeat(40), 'cf-connecting-ip': randomIp() },
              body: JSON.stringify(msg),
            });
            expect(hook.status).toBe(401);
          },
        ),
        runs,
      );
    },
    TIMEOUT,
  );
});
