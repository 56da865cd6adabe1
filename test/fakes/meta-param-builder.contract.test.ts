// Meta's fifth fbc / fbp part (the "appendix") against Meta's own parameter builder,
// capi-param-builder-nodejs 1.3.2: what it writes we pass through, what it drops we never send as is.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { metaFbc } from '../../collector/delivery/click-choice';
import { meta } from '../../collector/destinations/meta';
import { isMetaAppendix, metaCookieValue } from '../../shared/meta-cookie';
import { metaSettingsSchema } from '../../shared/schemas/destinations';

const { ParamBuilder } = createRequire(import.meta.url)('capi-param-builder-nodejs') as {
  ParamBuilder: new (domains: string[]) => {
    processRequest(host: string, q: Record<string, string>, c: Record<string, string>): unknown;
    getFbc(): string | null;
    getFbp(): string | null;
    getCookiesToSet(): { name: string }[];
  };
};

/** What Meta's builder keeps of an _fbc cookie (null: dropped). */
function builderFbc(cookie: string): string | null {
  const b = new ParamBuilder(['example.com']);
  b.processRequest('www.example.com', {}, { _fbc: cookie });
  return b.getFbc();
}

/** Whether Meta's builder keeps an _fbp cookie (it writes a new one when it drops it). */
function builderKeepsFbp(cookie: string): boolean {
  const b = new ParamBuilder(['example.com']);
  b.processRequest('www.example.com', {}, { _fbp: cookie });
  return (
    !b.getCookiesToSet().some((c) => c.name === '_fbp') ||
    b.getFbp()!.split('.').slice(0, 4).join('.') === cookie.split('.').slice(0, 4).join('.')
  );
}

const FBCLID = 'IwZXh0bgNhZW0CMTAAAR2_test-Click';
const settings = metaSettingsSchema.parse({ pixelId: '1234567', accessToken: 'EAAsecret-meta-token-000' });
const NOW = Date.UTC(2026, 10, 20, 12);

describe("Meta's fbc / fbp appendix (capi-param-builder-nodejs 1.3.2)", () => {
  it('an fbc the builder writes (five parts) is sent exactly as written', async () => {
    const b = new ParamBuilder(['example.com']);
    b.processRequest('www.example.com', { fbclid: FBCLID }, {});
    const written = b.getFbc()!;
    expect(written.split('.')).toHaveLength(5);
    expect(isMetaAppendix(written.split('.')[4]!)).toBe(true);
    const firstSeen = +written.split('.')[2]!;
    expect(metaFbc({ kind: 'fbclid', value: FBCLID, firstSeen, raw: written })).toBe(written);
    // Through the Meta builder, with its fbp too.
    const fbp = b.getFbp()!;
    const prepared = await meta.prepare(
      {
        id: 'e1',
        eventTime: Math.floor(NOW / 1000),
        email: 'jane@example.com',
        touches: [
          {
            kind: 'fbclid',
            value: FBCLID,
            firstSeen: NOW - 1000,
            raw: written.replace(/\.\d{13}\./, `.${NOW - 1000}.`),
          },
          { kind: 'fbp', value: fbp, firstSeen: NOW - 1000 },
        ],
        devices: [],
        attributes: {},
        conversion: {},
      },
      settings,
      NOW,
    );
    expect(prepared.ok && (prepared.item.user_data as Record<string, unknown>)).toMatchObject({
      fbc: written.replace(/\.\d{13}\./, `.${NOW - 1000}.`),
      fbp,
    });
  });

  it('the example appendix of the issue, fb.1.<ms>.<fbclid>.AQQCAQMC, is valid for Meta and for us', () => {
    const v = `fb.1.1763000000000.${FBCLID}.AQQCAQMC`;
    expect(builderFbc(v)).toBe(v);
    expect(metaCookieValue(v)).toBe(v);
  });

  it('a fifth part Meta drops is never sent as is: fbc falls back to our own four parts, fbp is left out', async () => {
    for (const bad of ['XYZ', 'AQQCAQM!', 'ZZZZZZZZ', 'AA', 'AQhello1', 'BAAAAAAA']) {
      const cookie = `fb.1.${NOW - 5000}.${FBCLID}.${bad}`;
      expect(builderFbc(cookie)).toBeNull();
      expect(metaFbc({ kind: 'fbclid', value: FBCLID, firstSeen: NOW - 5000, raw: cookie })).toBe(
        `fb.1.${NOW - 5000}.${FBCLID}`,
      );
      const fbp = `fb.1.${NOW - 5000}.1234567890.${bad}`;
      expect(builderKeepsFbp(fbp)).toBe(false);
      const prepared = await meta.prepare(
        {
          id: 'e1',
          eventTime: Math.floor(NOW / 1000),
          email: 'jane@example.com',
          touches: [{ kind: 'fbp', value: fbp, firstSeen: NOW - 5000 }],
          devices: [],
          attributes: {},
          conversion: {},
        },
        settings,
        NOW,
      );
      expect(prepared.ok && (prepared.item.user_data as Record<string, unknown>).fbp).toBeUndefined();
    }
  });

  it('our appendix rule equals the builder’s on every fifth part (2 and 8 characters, any alphabet)', () => {
    const part = fc.oneof(
      fc.constantFrom('AQ', 'Ag', 'Aw', 'BA', 'BQ', 'Bg', 'BB', 'aq'),
      fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Buffer.from(b).toString('base64url')),
      fc
        .tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 }))
        .map(([lang, v, kind]) => Buffer.from([1, lang, kind, 1, 3, v]).toString('base64url')),
      fc.string({ minLength: 1, maxLength: 10 }).filter((s) => !s.includes('.')),
    );
    fc.assert(
      fc.property(part, (p) => {
        const cookie = `fb.1.1763000000000.${FBCLID}.${p}`;
        expect(metaCookieValue(cookie) !== null).toBe(builderFbc(cookie) !== null);
        expect(isMetaAppendix(p)).toBe(builderFbc(cookie) !== null);
      }),
      { numRuns: 2000 },
    );
  });
});
