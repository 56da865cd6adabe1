// Rows, clocks and an outbox driver for the delivery tests against the fakes.
import {
  confirm,
  flush,
  MemoryOutboxStore,
  type DestinationRuntime,
  type FlushStats,
} from '../../collector/delivery/outbox';
import type { ConversionRow } from '../../collector/delivery/types';

export const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);
export const DAY = 86_400_000;

export class Clock {
  constructor(public ms = T0) {}
  now = () => this.ms;
  advance(ms: number) {
    this.ms += ms;
  }
}

let n = 0;
export function row(over: Partial<ConversionRow> = {}): ConversionRow {
  n++;
  const id = (over.id ?? `${n.toString(16).padStart(8, '0')}aaaabbbbccccddddeeeeffff`).slice(0, 32);
  return {
    id,
    eventTime: Math.floor(T0 / 1000) - 3600,
    email: `Person.${n}@Example.com`,
    touches: [
      {
        kind: 'gclid',
        value: `Cj0KCQiA_gclid_${n}`,
        firstSeen: T0 - 2 * DAY,
        anonymousId: 'anon-1',
        landingUrl: 'https://site.test/landing?gclid=x',
      },
      {
        kind: 'fbclid',
        value: `IwAR_fbclid_${n}`,
        firstSeen: T0 - 1 * DAY,
        anonymousId: 'anon-1',
        landingUrl: 'https://site.test/landing?fbclid=x',
      },
      { kind: 'fbp', value: 'fb.1.1763000000000.1234567890', firstSeen: T0 - 10 * DAY },
      { kind: 'li_fat_id', value: '85929337-d448-42da-a095-0b3c5500fa50', firstSeen: T0 - 3 * DAY },
      { kind: 'msclkid', value: `${n.toString(16).padStart(8, '0')}${'a'.repeat(24)}`, firstSeen: T0 - 4 * DAY },
    ],
    devices: [
      { anonymousId: 'anon-1', ip: '203.0.113.7', userAgent: 'Mozilla/5.0 Test', country: 'US', lastSeen: T0 - DAY },
    ],
    attributes: { crm: { opportunity: { amount: '1250.50' } } },
    conversion: {},
    ...over,
  };
}

/** Flush and confirm until nothing is due, moving the clock to each next wake-up (at most `hops`). */
export async function drain<S>(
  store: MemoryOutboxStore,
  rt: DestinationRuntime<S>,
  clock: Clock,
  hops = 50,
): Promise<FlushStats[]> {
  const out: FlushStats[] = [];
  for (let i = 0; i < hops; i++) {
    out.push(await flush(store, rt, clock.now));
    out.push(await confirm(store, rt, clock.now));
    const next = store.nextWake();
    if (next === null) break;
    if (next > clock.ms) clock.ms = next;
  }
  return out;
}

export function statuses(store: MemoryOutboxStore): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of store.rows.values()) out[e.status] = (out[e.status] ?? 0) + 1;
  return out;
}
