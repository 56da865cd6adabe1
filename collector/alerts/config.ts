import type { Env } from '../env';
import { decryptCredentials, encryptCredentials, importCredentialKey } from '../crypto/credentials';
import { configObject } from '../objects/doors';

/**
 * Where alerts go: a webhook URL and the secret its body is signed with (HMAC-SHA256), set through
 * PUT /api/alerts (stored in the ConfigObject, the secret sealed like destination credentials) or,
 * failing that, ALERT_WEBHOOK_URL / ALERT_WEBHOOK_SECRET. `silentMinutes`: how long without a tag
 * event before "tag silent" fires (ALERT_TAG_SILENT_MINUTES, default 60; 0 turns it off).
 */
export interface AlertConfig {
  url: string;
  secret: string;
  silentMinutes: number;
}

const SETTING = 'alerts';
const SEAL_ID = 'alerts';
export const DEFAULT_SILENT_MINUTES = 60;

type Stored = { url: string; sealedSecret: string; silentMinutes: number };

function envConfig(env: Env): AlertConfig | null {
  const e = env;
  if (!e.ALERT_WEBHOOK_URL || !e.ALERT_WEBHOOK_SECRET) return null;
  const silent = Number(e.ALERT_TAG_SILENT_MINUTES);
  return {
    url: e.ALERT_WEBHOOK_URL,
    secret: e.ALERT_WEBHOOK_SECRET,
    silentMinutes: Number.isFinite(silent) && silent >= 0 ? silent : DEFAULT_SILENT_MINUTES,
  };
}

export async function readAlertConfig(env: Env): Promise<AlertConfig | null> {
  const raw = (await configObject(env).setting(SETTING)) as string | null;
  if (!raw) return envConfig(env);
  const stored = JSON.parse(raw) as Stored;
  const secret = await decryptCredentials<string>(
    await importCredentialKey(env.ENCRYPTION_KEY),
    stored.sealedSecret,
    SEAL_ID,
  );
  return { url: stored.url, secret, silentMinutes: stored.silentMinutes };
}

export async function saveAlertConfig(env: Env, cfg: AlertConfig | null): Promise<void> {
  if (!cfg) return void (await configObject(env).setSetting(SETTING, null));
  const sealedSecret = await encryptCredentials(await importCredentialKey(env.ENCRYPTION_KEY), cfg.secret, SEAL_ID);
  await configObject(env).setSetting(
    SETTING,
    JSON.stringify({ url: cfg.url, sealedSecret, silentMinutes: cfg.silentMinutes } satisfies Stored),
  );
}
