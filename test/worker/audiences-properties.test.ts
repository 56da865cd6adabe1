// Property: no sequence of attribute updates (in any timestamp format, with time passing) yields a
// second entry under `once`, or a second entry for the same timestamp under `per_timestamp`; and
// every entry lies inside the window at the moment it was recorded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entryId } from '../../shared/criteria';
import { personKey } from '../../collector/identity';
import { createAudience, DAY, history, upsert } from './audiences-helpers';
import { env } from './audiences-helpers';

const MIN = 60_000;
const BASE = Math.floor(Date.now() / 1000) * 1000;
// A few instants (whole seconds), written in every form the parser accepts.
const INSTANTS = [BASE - 10 * DAY, BASE - 3 * DAY, BASE - 3 * DAY + 1000, BASE + DAY];
const formats = (ms: number) => [
  new Date(ms).toISOString(),
  new Date(ms).toISOString().replace('.000Z', 'Z'),
  ms,
  String(ms),
  ms / 1000,
  String(ms / 1000),
  new Date(ms + 2 * 3_600_000).toISOString().replace('.000Z', '+02:00'),
];

type Step =
  | { kind: 'status'; value: 'mql' | 'lead' | null }
  | { kind: 'timestamp'; value: unknown }
  | { kind: 'wait'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('status' as const), value: fc.constantFrom('mql' as const, 'lead' as const, null) }),
  fc.record({
    kind: fc.constant('timestamp' as const),
    value: fc.oneof(
      fc.tuple(fc.constantFrom(...INSTANTS), fc.nat(6)).map(([ms, f]) => formats(ms)[f]),
      fc.constant(null),
      fc.constant('not a date'),
    ),
  }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.constantFrom(MIN, 6 * MIN, DAY, 4 * DAY) }),
);

describe('entry properties (fast-check, real PersonObjects)', () => {
  it('once: at most one entry; per_timestamp: one entry per timestamp; entries lie inside the window', async () => {
    const criteria = { field: 'crm.prop_status', op: 'eq', value: 'mql' };
    const once = await createAudience({
      name: 'p-once',
      criteria,
      timestamp: { field: 'crm.prop_at', withinDays: 7 },
      reentry: 'once',
    });
    const each = await createAudience({
      name: 'p-each',
      criteria,
      timestamp: { field: 'crm.prop_at', withinDays: 7 },
      reentry: 'per_timestamp',
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const who = `prop-${BASE}-${run++}@example.com`;
        let now = BASE;
        for (const s of steps) {
          if (s.kind === 'wait') now += s.ms;
          else await upsert(who, 'crm', { [s.kind === 'status' ? 'prop_status' : 'prop_at']: s.value }, now);
        }
        const key = await personKey(env, who);
        const onceEntries = (await history(who, once.id)).entries;
        const eachEntries = (await history(who, each.id)).entries;
        expect(onceEntries.length).toBeLessThanOrEqual(1);
        const stamps = eachEntries.map((e) => e.timestamp);
        expect(new Set(stamps).size).toBe(stamps.length);
        for (const [audience, entries] of [
          [once, onceEntries],
          [each, eachEntries],
        ] as const) {
          for (const e of entries) {
            expect(e.id).toBe(await entryId(audience.id, key, e.timestamp));
            expect(INSTANTS).toContain(e.timestamp * 1000);
            expect(e.timestamp * 1000).toBeGreaterThanOrEqual(e.enteredAt - 7 * DAY);
            expect(e.timestamp * 1000).toBeLessThanOrEqual(e.enteredAt + 5 * MIN);
          }
        }
        // The first entry under `once` is the first under `per_timestamp` too: the rules agree.
        // Compared by content, not position: entries recorded in one upsert tie on enteredAt, and the
        // object's own alarm may evaluate at the real clock between these simulated times.
        if (onceEntries.length)
          expect(eachEntries).toContainEqual(
            expect.objectContaining({ timestamp: onceEntries[0]!.timestamp, enteredAt: onceEntries[0]!.enteredAt }),
          );
        else expect(eachEntries).toEqual([]);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
