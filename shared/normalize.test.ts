import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import vectors from '../test/vectors/meta-normalization.json';
import {
  META_FIELDS,
  META_FIELD_OF,
  countryCode,
  googleNormalizeEmail,
  hashFor,
  isEmail,
  isSha256Hex,
  metaNormalize,
  normalizeEmail,
  normalizeFor,
  sha256Hex,
  toE164,
  type HashPlatform,
  type IdentityField,
  type MetaField,
} from './normalize';

const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('sha256Hex', () => {
  it('matches known answers', async () => {
    expect(await sha256Hex('abc')).toBe(ABC);
    expect(await sha256Hex('')).toBe(EMPTY);
  });

  it('hashes UTF-8 and always yields 64 lowercase hex chars', async () => {
    expect(await sha256Hex('josé')).toBe('d994e1d001886fe5b45b1267bd1fa2b752ac50742579bd3dad7b2a2aa0ed6866');
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme' }), async (s) => {
        expect(isSha256Hex(await sha256Hex(s))).toBe(true);
      }),
    );
  });
});

describe('identity email', () => {
  it('trims and lowercases only', () => {
    expect(normalizeEmail('  Jane.Doe+Ads@Example.COM ')).toBe('jane.doe+ads@example.com');
    expect(normalizeEmail('First.Last@GMail.com')).toBe('first.last@gmail.com');
    expect(normalizeEmail('Émile.Zola@Exemple.fr')).toBe('émile.zola@exemple.fr');
  });

  it('refuses what is not a plausible email', () => {
    for (const bad of [
      '',
      'jane',
      'jane@',
      '@example.com',
      'jane@example',
      'jane doe@example.com',
      'a@b@c.com',
      '<a@b.com>',
      'a@b..com',
      'a@b.1',
      `${'a'.repeat(250)}@b.com`,
    ]) {
      expect(normalizeEmail(bad), bad).toBeNull();
    }
    expect(isEmail("o'brien@example.ie")).toBe(true);
  });

  it('is idempotent and its output is always an email', () => {
    fc.assert(
      fc.property(fc.oneof(fc.emailAddress(), fc.string()), (s) => {
        const once = normalizeEmail(s);
        if (once !== null) {
          expect(normalizeEmail(once)).toBe(once);
          expect(isEmail(once)).toBe(true);
        }
      }),
    );
  });

  it('accepts every address fast-check generates, in any case and padding', () => {
    fc.assert(
      fc.property(fc.emailAddress({ size: 'small' }), (e) => {
        expect(normalizeEmail(` ${e.toUpperCase()} `)).toBe(e.toLowerCase());
      }),
    );
  });
});

describe('Meta', () => {
  it.each(vectors.cases.map((c) => [c.field, c.input, c] as const))(
    '%s %j matches the SDK',
    async (field, input, c) => {
      const expected = 'sha256' in c ? c.sha256 : null;
      expect(await hashFor('meta', identityFieldOf(field as MetaField), input)).toBe(expected);
      const normalized = metaNormalize(field as MetaField, input);
      expect(normalized === null ? null : await sha256Hex(normalized)).toBe(expected);
    },
  );

  it('covers every Meta field with at least one vector', () => {
    expect(new Set(vectors.cases.map((c) => c.field))).toEqual(new Set(META_FIELDS));
  });

  it('passes pre-hashed values through, lowercased, and never double-hashes', async () => {
    const hashed = await sha256Hex('john@example.org');
    expect(await hashFor('meta', 'email', ` ${hashed.toUpperCase()} `)).toBe(hashed);
    expect(metaNormalize('ph', hashed)).toBe(hashed);
  });

  it('applies the SDK rules beyond the vectors', () => {
    expect(metaNormalize('ge', 'MALE')).toBe('m');
    expect(metaNormalize('ge', 'other')).toBeNull();
    expect(metaNormalize('zp', '1')).toBeNull();
    expect(metaNormalize('ph', '123')).toBeNull();
    expect(metaNormalize('ph', '650.555.1212')).toBe('6505551212');
    expect(metaNormalize('ct', '  ')).toBeNull();
    expect(metaNormalize('country', 'UK')).toBe('gb');
    expect(metaNormalize('country', 'XX')).toBeNull();
  });

  it('normalizes birthdates to YYYYMMDD and refuses the rest', () => {
    expect(metaNormalize('db', '1990-01-31')).toBe('19900131');
    expect(metaNormalize('db', '1990/01/31')).toBe('19900131');
    expect(metaNormalize('db', '1990-13-01')).toBeNull();
    expect(metaNormalize('db', 'Jan 31 1990')).toBeNull();
  });

  it('never throws and never returns an empty string', () => {
    fc.assert(
      fc.property(fc.constantFrom(...META_FIELDS), fc.string({ unit: 'binary' }), (field, s) => {
        expect(metaNormalize(field, s)).not.toBe('');
      }),
    );
  });
});

describe('Google', () => {
  it('applies gmail rules to gmail.com and googlemail.com only', () => {
    expect(googleNormalizeEmail(' Cloudy.SanFrancisco+Shopping@Gmail.com ')).toBe('cloudysanfrancisco@gmail.com');
    expect(googleNormalizeEmail('first.last@googlemail.com')).toBe('firstlast@googlemail.com');
    expect(googleNormalizeEmail('User.Name+NYC@Example.com')).toBe('user.name+nyc@example.com');
    expect(googleNormalizeEmail('+only@gmail.com')).toBeNull();
    expect(googleNormalizeEmail('not an email')).toBeNull();
  });

  it('hashes names lowercased and trimmed', async () => {
    expect(await hashFor('google', 'first_name', '  JOSÉ ')).toBe(await sha256Hex('josé'));
    expect(await hashFor('google', 'country', 'US')).toBeNull();
  });
});

describe('toE164', () => {
  it('formats numbers that carry their country code', () => {
    expect(toE164('+1 (650) 555-1212')).toBe('+16505551212');
    expect(toE164('001-650-555-1212')).toBe('+16505551212');
    expect(toE164('1-650-555-1212')).toBe('+16505551212');
    expect(toE164('+44 20 7946 0958')).toBe('+442079460958');
    expect(toE164('+49 (0)30 1234567')).toBe('+49301234567');
    expect(toE164('(800)555-0100', '1')).toBe('+18005550100');
    expect(toE164('020 7946 0958', '+44')).toBe('+442079460958');
  });

  it('refuses numbers without a country code, letters and impossible lengths', () => {
    expect(toE164('(650) 555-1212')).toBeNull();
    expect(toE164('+1 650 555 1212 ext 3')).toBeNull();
    expect(toE164('+12345')).toBeNull();
    expect(toE164('+1234567890123456')).toBeNull();
    expect(toE164('+0 650 555 1212')).toBeNull();
  });

  it('only ever returns E.164', () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.stringMatching(/^\d{1,3}$/), { nil: undefined }), (s, cc) => {
        const out = toE164(s, cc);
        if (out !== null) expect(out).toMatch(/^\+[1-9]\d{6,14}$/);
      }),
    );
  });
});

describe('hashFor', () => {
  const email = ' First.Last+x@GMail.com ';

  it('hashes email per platform', async () => {
    expect(await hashFor('google', 'email', email)).toBe(await sha256Hex('firstlast@gmail.com'));
    for (const p of ['linkedin', 'microsoft', 'tiktok', 'meta', 'openai'] as const) {
      expect(await hashFor(p, 'email', email), p).toBe(await sha256Hex('first.last+x@gmail.com'));
    }
  });

  it("hashes email for Reddit without dots or +suffix in the local part, on every domain (Reddit's example)", async () => {
    const alice = await sha256Hex('alice@example.com');
    expect(await hashFor('reddit', 'email', 'Al.ice+Apple@Example.Com')).toBe(alice);
    expect(await hashFor('reddit', 'email', 'alice@example.com')).toBe(alice);
    expect(alice).toBe('ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976');
    expect(await hashFor('reddit', 'email', email)).toBe(await sha256Hex('firstlast@gmail.com'));
    expect(await hashFor('reddit', 'email', '+x@example.com')).toBeNull();
    expect(await hashFor('reddit', 'phone', '+1 555 444 1234')).toBe(
      'e5b124c58580eb16bd959b8d0cac12b12c952e2ceae0203d416cff94f10b994a',
    );
  });

  it('hashes phones as E.164 with the plus, except Meta (digits only)', async () => {
    const phone = '+1 (650) 555-1212';
    for (const p of ['google', 'microsoft', 'tiktok'] as const) {
      expect(await hashFor(p, 'phone', phone), p).toBe(await sha256Hex('+16505551212'));
    }
    expect(await hashFor('meta', 'phone', phone)).toBe(await sha256Hex('16505551212'));
  });

  it('returns null for fields a platform does not take hashed, and for invalid values', async () => {
    expect(await hashFor('linkedin', 'first_name', 'Jane')).toBeNull();
    expect(await hashFor('linkedin', 'phone', '+16505551212')).toBeNull();
    expect(await hashFor('microsoft', 'email', 'nope')).toBeNull();
    expect(await hashFor('google', 'phone', '555-1212')).toBeNull();
  });

  it('is stable under re-hashing: a hash passed back in comes out unchanged', async () => {
    const platforms: HashPlatform[] = ['meta', 'google', 'linkedin', 'microsoft', 'tiktok', 'reddit', 'openai'];
    const fields: IdentityField[] = ['email', 'phone', 'first_name', 'external_id'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...platforms), fc.constantFrom(...fields), fc.string(), async (p, f, s) => {
        const once = await hashFor(p, f, s);
        if (once !== null) {
          expect(isSha256Hex(once)).toBe(true);
          expect(await hashFor(p, f, once)).toBe(once);
        }
      }),
    );
  });

  it('agrees with normalizeFor', async () => {
    expect(normalizeFor('google', 'email', email)).toBe('firstlast@gmail.com');
    expect(normalizeFor('meta', 'country', ' De ')).toBe(countryCode('DE'));
  });
});

function identityFieldOf(field: MetaField): IdentityField {
  return (Object.keys(META_FIELD_OF) as (keyof typeof META_FIELD_OF)[]).find((f) => META_FIELD_OF[f] === field)!;
}
