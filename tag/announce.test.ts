import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collector, load, newSite, settle, teardown } from './testing';

const META = {
  platform: 'meta',
  eventName: 'Lead',
  eventId: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  conversionId: 'cnv_meta',
  value: 120,
  currency: 'EUR',
};
const GOOGLE = {
  platform: 'google',
  eventName: 'conversion',
  eventId: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  conversionId: 'cnv_google',
  conversionAction: '987',
};
const cb = () => (window as any).clearbit;

// The collector answers an identify with the conversions it triggered; a touch with none.
function answering(conversions: unknown[]) {
  return collector((sent) => ({
    status: 200,
    body: {
      accepted: sent.body.events.length,
      duplicates: 0,
      rejected: [],
      token: 'tok.signed',
      ...(sent.body.events.some((e) => e.type == 'identify') ? { conversions } : {}),
    },
  }));
}

beforeEach(() => {
  newSite();
});
afterEach(teardown);

describe("clearbit.on('conversion') and the dataLayer", () => {
  it('calls each conversion callback once per conversion an identify triggered, registered before or after the tag loaded', async () => {
    answering([META, GOOGLE]);
    const early = vi.fn();
    await load('/', [
      ['on', 'conversion', early],
      ['load', 'pk_test', 'https://collector.test'],
    ]);
    const late = vi.fn();
    cb().on('conversion', late);
    cb().on('something-else', () => {
      throw new Error('never called');
    });
    cb().identify('ada@example.com');
    await vi.waitFor(() => expect(late).toHaveBeenCalledTimes(2));
    await settle();
    expect(early.mock.calls).toEqual([[META], [GOOGLE]]);
    expect(late.mock.calls).toEqual([[META], [GOOGLE]]);
  });

  it('pushes clearbit_conversion to the dataLayer with event_id, event_name, platform, value and currency', async () => {
    answering([META, GOOGLE]);
    await load('/', undefined, (w) => {
      w.dataLayer = [{ 'gtm.start': 1 }];
    });
    cb().identify('ada@example.com');
    await vi.waitFor(() => expect((window as any).dataLayer).toHaveLength(3));
    expect((window as any).dataLayer.slice(1)).toEqual([
      {
        event: 'clearbit_conversion',
        event_id: META.eventId,
        event_name: 'Lead',
        platform: 'meta',
        value: 120,
        currency: 'EUR',
        conversion_id: 'cnv_meta',
        conversion_action: undefined,
      },
      {
        event: 'clearbit_conversion',
        event_id: GOOGLE.eventId,
        event_name: 'conversion',
        platform: 'google',
        value: undefined,
        currency: undefined,
        conversion_id: 'cnv_google',
        conversion_action: '987',
      },
    ]);
  });

  it('keeps going when a callback throws: later callbacks, the dataLayer and the token still happen, and nothing escapes', async () => {
    answering([META]);
    const errors: unknown[] = [];
    const onError = (e: ErrorEvent) => errors.push(e.error);
    window.addEventListener('error', onError);
    const after = vi.fn();
    await load(
      '/',
      [
        [
          'on',
          'conversion',
          () => {
            throw new Error('site bug');
          },
        ],
        ['on', 'conversion', after],
        ['load', 'pk_test', 'https://collector.test'],
      ],
      (w) => {
        w.dataLayer = [];
      },
    );
    const done = vi.fn();
    cb().identify('ada@example.com', done);
    await vi.waitFor(() => expect(after).toHaveBeenCalledWith(META));
    await settle();
    window.removeEventListener('error', onError);
    expect((window as any).dataLayer).toHaveLength(1);
    expect(done).toHaveBeenCalledOnce();
    expect(errors).toEqual([]);
    // The answer was handled: the token is kept, the outbox emptied (no resend of the identify).
    const { ledger } = await import('./ledger');
    expect(ledger().k).toBe('tok.signed');
  });

  it('does nothing without conversions in the answer, and with no dataLayer on the page', async () => {
    answering([]);
    const seen = vi.fn();
    await load('/', [
      ['on', 'conversion', seen],
      ['load', 'pk_test', 'https://collector.test'],
    ]);
    cb().identify('ada@example.com');
    await settle(100);
    expect(seen).not.toHaveBeenCalled();
    expect((window as any).dataLayer).toBeUndefined();
  });
});
