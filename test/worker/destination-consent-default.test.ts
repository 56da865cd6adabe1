// Unknown consent is sent as unknown unless the operator chose a default; destinations saved before
// that choice existed (defaultConsent 'granted' filled in by the old schema default) read as unknown.
import { env as workerEnv } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../collector/env';
import type { ConversionRow } from '../../collector/delivery/types';
import { destinationById } from '../../collector/objects/doors';

const env = workerEnv as unknown as Env;
let seq = 0;
const settings = {
  customerId: '1234567890',
  conversionActionId: '777',
  clientId: 'client-id',
  clientSecret: 'client-secret-1',
  refreshToken: 'refresh-token-1',
};

function row(consent?: ConversionRow['consent']): ConversionRow {
  const now = Date.now();
  return {
    id: `${(++seq).toString(16).padStart(8, '0')}${'c'.repeat(24)}`,
    eventTime: Math.floor(now / 1000) - 3600,
    email: 'consent@example.com',
    touches: [{ kind: 'gclid', value: `Cj0_consent_${seq}`, firstSeen: now - 86_400_000 }],
    devices: [],
    attributes: {},
    conversion: {},
    ...(consent ? { consent } : {}),
  };
}

async function consentOf(d: ReturnType<typeof destinationById>, r: ConversionRow) {
  const answer = (await d.preview([r])) as unknown as { ok: true; value: { payload: { consent?: unknown } }[] };
  return answer.value[0]!.payload.consent;
}

describe('consent default (Google Data Manager)', () => {
  it('a new destination sends unknown consent as unknown (no consent field), explicit signals as they are', async () => {
    const d = destinationById(env, `consent-new-${Date.now()}-${seq}`);
    const cfg = await d.configure({ id: 'dst_consent_new', type: 'google_data_manager', mode: 'dry_run', settings });
    expect(cfg.ok && cfg.value.settings.defaultConsent).toBe('unknown');
    expect(await consentOf(d, row())).toBeUndefined();
    expect(await consentOf(d, row('granted'))).toEqual({ adUserData: 'CONSENT_GRANTED' });
    const denied = (await d.preview([row('denied')])) as unknown as { ok: true; value: { skip: string }[] };
    expect(denied.value[0]!.skip).toBe('consent_denied');
  });

  it("an operator's explicit 'granted' is kept; one stored before the choice existed reads as unknown until saved again", async () => {
    const d = destinationById(env, `consent-old-${Date.now()}-${seq}`);
    await d.configure({
      id: 'dst_consent_old',
      type: 'google_data_manager',
      mode: 'dry_run',
      settings: { ...settings, defaultConsent: 'granted' },
    });
    expect(await consentOf(d, row())).toEqual({ adUserData: 'CONSENT_GRANTED' });
    // The row as the previous version left it: no record that 'granted' was chosen.
    await runInDurableObject(d as unknown as DurableObjectStub, (_o, state) => {
      state.storage.sql.exec('UPDATE config SET consent_default_chosen = 0');
    });
    expect(((await d.describe())!.settings as Record<string, unknown>).defaultConsent).toBe('unknown');
    expect(await consentOf(d, row())).toBeUndefined();
    // Saving it again with 'granted' is an explicit choice.
    await d.update({ settings: { defaultConsent: 'granted' } });
    expect(await consentOf(d, row())).toEqual({ adUserData: 'CONSENT_GRANTED' });
  });
});
