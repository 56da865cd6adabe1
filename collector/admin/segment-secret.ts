import type { Env } from '../env';
import { randomHex } from '../../shared/hex';
import { configObject } from '../objects/doors';

// The Segment Webhooks destination's shared secret, where POST /segment/webhook reads it: the
// environment's SEGMENT_WEBHOOK_SECRET first, else the ConfigObject setting the admin manages.
const SETTING = 'segment_webhook_secret';

export type SecretSource = 'environment' | 'admin' | 'none';

export async function segmentSecretSource(env: Env): Promise<SecretSource> {
  if (env.SEGMENT_WEBHOOK_SECRET) return 'environment';
  return (await configObject(env).setting(SETTING)) ? 'admin' : 'none';
}

/** A new random secret, stored; its value is returned this once. */
export async function generateSegmentSecret(env: Env): Promise<string> {
  const secret = `whsec_${randomHex(24)}`;
  await configObject(env).setSetting(SETTING, secret);
  return secret;
}

export async function clearSegmentSecret(env: Env): Promise<void> {
  await configObject(env).setSetting(SETTING, null);
}
