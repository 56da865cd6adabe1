import type { Env } from '../env';
import { readAlertConfig } from './config';
import { sendAlert, type Alert } from './webhook';
import { logError } from '../log-error';

// One alert per destination and kind per hour at most: a storm of failures is one message.
const REPEAT_MS = 3_600_000;
const CREDENTIAL_ERROR =
  /unauthori[sz]ed|unauthenticated|invalid_grant|invalid_client|invalid_token|OAuthException|expired|permission|forbidden|HTTP_40[13]\b|"code":"?(190|401|403)\b/i;

type Row = { status: string; note: string | null; error: string | null };

/** Alerts due from rows that ended failed or dead-lettered since `since` (pure: tested directly). */
export function deliveryAlerts(rows: Row[], destinationId: string, destinationType: string, now: number): Alert[] {
  const out: Alert[] = [];
  const dead = rows.filter((r) => r.status === 'dead_letter');
  const refused = rows.filter(
    (r) =>
      (r.status === 'failed' || r.status === 'dead_letter') &&
      (r.note === 'unauthorized' || CREDENTIAL_ERROR.test(r.error ?? '')),
  );
  const code = (r: Row | undefined) => {
    try {
      return r?.error ? String((JSON.parse(r.error) as { code?: unknown }).code ?? '') || undefined : undefined;
    } catch {
      return undefined;
    }
  };
  if (dead.length)
    out.push({
      kind: 'dead_letter',
      message: `${dead.length} conversion(s) dead-lettered on ${destinationType} destination ${destinationId}; retry them from /api/destinations/${destinationId}/conversions`,
      destinationId,
      destinationType,
      count: dead.length,
      errorCode: code(dead[0]),
      at: now,
    });
  if (refused.length)
    out.push({
      kind: 'credentials_refused',
      message: `${destinationType} refused the credentials of destination ${destinationId}; enter them again`,
      destinationId,
      destinationType,
      count: refused.length,
      errorCode: code(refused[0]),
      at: now,
    });
  return out;
}

/**
 * Called by the DestinationObject after a flush: reads what failed since `since` from its own outbox
 * and sends the alerts not sent within the last hour. `since` and `now` come from the object's clock
 * (injected in tests). Never throws: alerting must not break delivery.
 */
export async function alertAfterFlush(
  env: Env,
  storage: DurableObjectStorage,
  destinationId: string,
  destinationType: string,
  since: number,
  now: number,
): Promise<void> {
  try {
    const rows = storage.sql
      .exec<Row>(
        `SELECT status, note, error FROM outbox WHERE updated_at >= ? AND status IN ('failed', 'dead_letter')`,
        since,
      )
      .toArray();
    if (!rows.length) return;
    const due = [];
    for (const a of deliveryAlerts(rows, destinationId, destinationType, now)) {
      const last = (await storage.get<number>(`alert:${a.kind}`)) ?? 0;
      if (now - last >= REPEAT_MS) due.push(a);
    }
    if (!due.length) return;
    const cfg = await readAlertConfig(env);
    if (!cfg) return;
    for (const a of due) if ((await sendAlert(cfg, a)).ok) await storage.put(`alert:${a.kind}`, now);
  } catch (e) {
    logError('delivery alert failed', e);
  }
}
