// The shared rules of every destination definition: request fitting under a platform's second cap,
// the endpoint override, RFC 3339 times and the definition a retraction travels with.
import { describe, expect, it } from 'vitest';
import { baseUrl, definitionFor, fitRequest, rfc3339, type DestinationDefinition } from './definition';

const plain = { requestKeys: undefined } as unknown as DestinationDefinition<unknown, string[]>;
const keyed = { requestKeys: { max: 3, of: (item: string[]) => item } } as unknown as DestinationDefinition<
  unknown,
  string[]
>;

describe('fitRequest', () => {
  it('without a key cap, takes the first `cap` items in order', () => {
    expect(fitRequest(plain, [['a'], ['b'], ['c']], 2)).toEqual([0, 1]);
    expect(fitRequest(plain, [], 2)).toEqual([]);
  });

  it('leaves out items that would pass the distinct-key cap, and keeps looking for ones that fit', () => {
    // a+b, then c (3 keys); d would make 4: it waits; b again costs nothing new.
    expect(fitRequest(keyed, [['a', 'b'], ['c'], ['d'], ['b'], ['a', 'e']], 10)).toEqual([0, 1, 3]);
  });

  it('always takes the first item, even one over the cap (the platform says why): it then goes alone', () => {
    expect(fitRequest(keyed, [['a', 'b', 'c', 'd'], ['a'], ['e']], 10)).toEqual([0]);
  });

  it('stops at `cap` items even when more would fit the keys', () => {
    expect(fitRequest(keyed, [['a'], ['a'], ['a']], 2)).toEqual([0, 1]);
  });
});

describe('baseUrl', () => {
  it('an endpoint replaces the origin, without trailing slashes', () => {
    expect(baseUrl('http://127.0.0.1:9000//', 'https://graph.facebook.com')).toBe('http://127.0.0.1:9000');
    expect(baseUrl(undefined, 'https://graph.facebook.com/')).toBe('https://graph.facebook.com');
  });
});

describe('rfc3339', () => {
  it('whole seconds in UTC, the fraction dropped', () => {
    expect(rfc3339(Date.UTC(2026, 10, 20, 14, 5, 0, 999))).toBe('2026-11-20T14:05:00Z');
  });
});

describe('definitionFor', () => {
  const base = {
    type: 'meta',
    label: 'Meta',
    batchLimit: 1000,
    maxEventAgeMs: () => 7,
    sendsInTest: true,
  } as unknown as DestinationDefinition;
  it('a conversion travels with the definition itself', () => {
    expect(definitionFor(base, 'conversion')).toBe(base);
  });
  it('a retraction has none unless the platform has a way to withdraw', () => {
    expect(definitionFor(base, 'retraction')).toBeNull();
  });
  it("a retraction travels with the retraction spec's batch limit, age and builders", () => {
    const retraction = {
      batchLimit: 5,
      maxAgeMs: 123,
      prepare: async () => ({ ok: false }),
      buildRequest: () => ({}),
      parseResponse: () => [],
    };
    const def = definitionFor({ ...base, retraction } as unknown as DestinationDefinition, 'retraction')!;
    expect(def).toMatchObject({ type: 'meta', label: 'Meta (retraction)', batchLimit: 5, sendsInTest: true });
    expect(def.maxEventAgeMs({} as never)).toBe(123);
    expect(def.buildRequest).toBe(retraction.buildRequest);
  });
});
