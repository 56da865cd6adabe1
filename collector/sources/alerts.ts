import type { Env } from '../env';
import { readAlertConfig } from '../alerts/config';
import { sendAlert } from '../alerts/webhook';
import { logError } from '../log-error';

const REPEAT_MS = 3_600_000;

/**
 * The `credentials_refused` alert for a source the CRM refused (at most once an hour per source).
 * Never throws: alerting must not break the source's own bookkeeping.
 */
export async function alertSourceCredentials(
  env: Env,
  storage: DurableObjectStorage,
  sourceId: string,
  sourceType: string,
  platformMessage: string | undefined,
  now: number,
): Promise<void> {
  try {
    const last = (await storage.get<number>('alert:credentials_refused')) ?? 0;
    if (now - last < REPEAT_MS) return;
    const cfg = await readAlertConfig(env);
    if (!cfg) return;
    const alert = {
      kind: 'credentials_refused' as const,
      message: `${sourceType} refused the credentials of source ${sourceId}; the source is stopped until they are entered again`,
      sourceId,
      sourceType,
      errorCode: platformMessage?.slice(0, 100),
      at: now,
    };
    if ((await sendAlert(cfg, alert)).ok) await storage.put('alert:credentials_refused', now);
  } catch (e) {
    logError('source alert failed', e);
  }
}
