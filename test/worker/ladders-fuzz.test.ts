// fast-check over POST /api/ladders: mutated bodies (junk in each field, in the template, in a
// stage, in a send entry, prototype keys) answer 201 or a 4xx JSON error, never a 5xx, and a refusal
// leaves no ladder and no audience behind. FUZZ_RUNS sets the cases (scripts/fuzz.mjs: 10,000).
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { fastApi as api, fuzzRuns, fuzzTimeout, prototypeClean, settleWaitUntil } from './fuzz-runs';

const RUNS = fuzzRuns(25);
const TIMEOUT = fuzzTimeout(RUNS) * 3;

afterEach(async () => {
  await settleWaitUntil();
  expect(prototypeClean()).toBe(true);
});

const polluting = fc
  .constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}')
  .map((t) => JSON.parse(t) as unknown);
const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 40 }),
  fc.constant(null),
  fc.double(),
  polluting,
  fc.constant(undefined),
);

const send = (path: string, method: string, body: unknown) =>
  api(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) ?? '' });
const count = async (path: string, key: string) =>
  (((await (await api(path)).json()) as Record<string, unknown[]>)[key] ?? []).length;

function put(base: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: Record<string, unknown> = Array.isArray(base)
    ? ([...base] as unknown as Record<string, unknown>)
    : { ...(base as Record<string, unknown>) };
  const [head, ...rest] = path;
  if (value === undefined && rest.length === 0) delete copy[head!];
  else copy[head!] = put(copy[head!] ?? {}, rest, value);
  return copy;
}

describe('fuzz: POST /api/ladders', () => {
  it(
    '201 or a 4xx naming the problem; a refusal creates nothing',
    async () => {
      const base = {
        name: 'fuzz ladder',
        template: { source: 'crm', withinDays: 30, stages: ['mql', 'won'] },
      };
      const paths = fc.constantFrom(
        ['name'],
        ['template'],
        ['template', 'source'],
        ['template', 'withinDays'],
        ['template', 'stages'],
        ['template', 'stages', '0'],
        ['stages'],
        ['stages', '0'],
        ['stages', '0', 'audience'],
        ['send'],
        ['send', '0'],
        ['send', '0', 'destinationId'],
        ['send', '0', 'currency'],
        ['send', '0', 'stages', 'mql'],
        ['extra'],
      );
      await fc.assert(
        fc.asyncProperty(paths, junk, async (path, value) => {
          const body = put(base, path, value);
          const [ladders, audiences] = [
            await count('/api/ladders', 'ladders'),
            await count('/api/audiences', 'audiences'),
          ];
          const res = await send('/api/ladders', 'POST', body);
          const where = JSON.stringify(body).slice(0, 300);
          expect(res.status, where).toBeLessThan(500);
          const out = (await res.json()) as any;
          if (res.status === 201) {
            expect((await api(`/api/ladders/${out.id}?deleteAudiences=true`, { method: 'DELETE' })).status).toBe(200);
          } else {
            expect(res.status, where).toBeGreaterThanOrEqual(400);
            expect(out.error.code, where).toBeTypeOf('string');
            expect(await count('/api/ladders', 'ladders')).toBe(ladders);
            expect(await count('/api/audiences', 'audiences')).toBe(audiences);
          }
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    },
    TIMEOUT,
  );
});
