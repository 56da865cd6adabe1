import { describe, expect, it } from 'vitest';
import { credentialsToReenter, destinationSchema, maskSettings } from './destinations';

describe('destination schema', () => {
  it('parses each type with defaults (dry_run, API versions) and normalizes Google ids', () => {
    const d = destinationSchema.parse({
      type: 'google_ads',
      name: 'Ads',
      settings: {
        customerId: '123-456-7890',
        conversionActionId: '5',
        clientId: 'c',
        clientSecret: 'secret-123',
        refreshToken: 'refresh-123',
      },
    });
    expect(d).toMatchObject({
      mode: 'dry_run',
      settings: { customerId: '1234567890', apiVersion: 'v25', defaultConsent: 'unknown' },
    });
    expect(
      destinationSchema.parse({ type: 'meta', name: 'M', settings: { pixelId: '1', accessToken: 'EAA12345678' } })
        .settings,
    ).toMatchObject({ apiVersion: 'v26.0' });
  });

  it('names the problem: unknown setting, bad id, missing LinkedIn credentials, bad endpoint', () => {
    const issues = (v: unknown) => destinationSchema.safeParse(v).error?.issues.map((i) => i.path.join('.'));
    expect(
      issues({ type: 'meta', name: 'M', settings: { pixelId: '1', accessToken: 'EAA12345678', pixel: 2 } }),
    ).toEqual(['settings']);
    expect(
      issues({
        type: 'google_ads',
        name: 'A',
        settings: {
          customerId: '123',
          conversionActionId: '5',
          clientId: 'c',
          clientSecret: 'secret-123',
          refreshToken: 'refresh-123',
        },
      }),
    ).toEqual(['settings.customerId']);
    expect(issues({ type: 'linkedin', name: 'L', settings: { conversionId: '1' } })).toEqual(['settings.accessToken']);
    expect(issues({ type: 'linkedin', name: 'L', settings: { accessToken: 'AQX12345678' } })).toEqual([
      'settings.conversionUrn',
    ]);
    expect(
      issues({ type: 'meta', name: 'M', endpoint: 'ftp://x', settings: { pixelId: '1', accessToken: 'EAA12345678' } }),
    ).toEqual(['endpoint']);
    expect(issues({ type: 'snapchat', name: 'S', settings: {} })).toEqual(['type']);
    expect(
      issues({ type: 'reddit', name: 'R', settings: { pixelId: 'not a pixel', accessToken: 'eyJhbGciOi.token' } }),
    ).toEqual(['settings.pixelId']);
    expect(issues({ type: 'tiktok', name: 'T', settings: { pixelCode: 'CABC123DEF456GHI789J' } })).toEqual([
      'settings.accessToken',
    ]);
    expect(
      issues({ type: 'tiktok', name: 'T', settings: { pixelCode: 'lower-case', accessToken: 'tt-token-12345678' } }),
    ).toEqual(['settings.pixelCode']);
  });

  it('parses Reddit and TikTok with their test ids and masks their tokens', () => {
    const r = destinationSchema.parse({
      type: 'reddit',
      name: 'R',
      settings: { pixelId: 'a2_abc123def', accessToken: 'eyJhbGciOi.reddit-token', testId: 't2_20lcxjcqah' },
    });
    expect(r).toMatchObject({
      mode: 'dry_run',
      settings: { pixelId: 'a2_abc123def', testId: 't2_20lcxjcqah', defaultConsent: 'unknown' },
    });
    const t = destinationSchema.parse({
      type: 'tiktok',
      name: 'T',
      settings: { pixelCode: 'CABC123DEF456GHI789J', accessToken: 'tt-token-12345678', testEventCode: 'TEST12345' },
    });
    expect(t.settings).toMatchObject({ pixelCode: 'CABC123DEF456GHI789J', testEventCode: 'TEST12345' });
    expect(maskSettings('reddit', r.settings)).toMatchObject({ accessToken: '****oken', pixelId: 'a2_abc123def' });
    expect(maskSettings('tiktok', t.settings)).toMatchObject({ accessToken: '****' });
    const o = destinationSchema.parse({
      type: 'openai_ads',
      name: 'O',
      settings: { pixelId: 'px_134534', apiKey: 'sk-svcacct-abcdefghijklmnop' },
    });
    expect(maskSettings('openai_ads', o.settings)).toEqual({
      pixelId: 'px_134534',
      apiKey: '****mnop',
      defaultConsent: 'unknown',
    });
    expect(
      destinationSchema
        .safeParse({
          type: 'openai_ads',
          name: 'O',
          settings: { pixelId: 'px 1', apiKey: 'sk-svcacct-abcdefghijklmnop' },
        })
        .error?.issues.map((i) => i.path.join('.')),
    ).toEqual(['settings.pixelId']);
  });

  it('masks every secret and nothing else', () => {
    const masked = maskSettings('microsoft_ads', {
      customerId: '1',
      developerToken: 'dev-token-abcdefghijkl',
      refreshToken: 'short-rt',
      clientId: 'cid',
    });
    expect(masked).toEqual({ customerId: '1', developerToken: '****ijkl', refreshToken: '****', clientId: 'cid' });
  });

  it('asks for the credentials again when an endpoint changes', () => {
    const before = { endpoint: 'https://a.test', settings: { pixelId: '1', accessToken: 'EAA12345678' } };
    expect(credentialsToReenter('meta', before, { endpoint: 'https://a.test' }, undefined)).toEqual([]);
    expect(credentialsToReenter('meta', before, { endpoint: 'https://b.test' }, {})).toEqual(['accessToken']);
    expect(
      credentialsToReenter('meta', before, { endpoint: 'https://b.test' }, { accessToken: 'EAA87654321' }),
    ).toEqual([]);
  });
});
