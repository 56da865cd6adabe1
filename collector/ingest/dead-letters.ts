// The consumer of the JOBS dead-letter queue (wrangler.toml): what the JOBS consumer failed on every
// delivery lands here instead of being dropped. People rows get one last try, then are recorded on
// their job with the reason (GET /api/jobs/{id}) until an operator retries them; an alert is raised.
import type { Env } from '../env';
import { readAlertConfig } from '../alerts/config';
import { sendAlert } from '../alerts/webhook';
import type { JobFailure } from '../../shared/schemas/people';
import type { JobMessage } from './job-messages';
import { applyPeople } from './people-consumer';
import { configObject } from '../objects/doors';
import { logError } from '../log-error';

const ALERT_SETTING = 'alert:jobs_dead_letter';
const REPEAT_MS = 3_600_000;
// Nothing stored is ever more than a short reason: the error's name and message, clipped.
const REASON_CHARS = 300;

/** The dead-letter queue of a jobs queue is named after it (wrangler.toml, scripts/setup.mjs). */
export function isDeadLetterQueue(queue: string): boolean {
  return queue.endsWith('-dlq');
}

function reasonOf(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return `not applied after every delivery of the jobs queue; last error: ${text}`.slice(0, REASON_CHARS);
}

export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env, now = Date.now()): Promise<void> {
  const failures = new Map<string, Omit<JobFailure, 'failedAt'>[]>();
  const applied = new Map<string, { applied: number; suppressed: number }>();
  for (const m of batch.messages) {
    const body = m.body as JobMessage | { kind?: unknown } | null;
    if (body?.kind !== 'people') {
      // A populate page: the cron sends the page its shard stands at again once the job's progress
      // has stood still (resumeStalledPopulates), so nothing is lost by acknowledging it here.
      console.error('dead letter acknowledged', typeof body?.kind === 'string' ? body.kind : 'unknown');
      continue;
    }
    const msg = body as JobMessage;
    let reason: string;
    // On its first delivery here the rows get one last try (a fault that has cleared since, e.g. an
    // object reset during a deploy); if this consumer itself crashed on them, they are only recorded.
    if (m.attempts <= 1) {
      try {
        const status = await applyPeople(env, msg, now);
        const a = applied.get(msg.jobId) ?? { applied: 0, suppressed: 0 };
        a[status === 'stored' ? 'applied' : 'suppressed'] += msg.rows.length;
        applied.set(msg.jobId, a);
        continue;
      } catch (e) {
        reason = reasonOf(e);
      }
    } else
      reason = 'not applied after every delivery of the jobs queue: the consumer crashed or ran out of time on them';
    const list = failures.get(msg.jobId) ?? [];
    list.push({ email: msg.email, rows: msg.rows, reason });
    failures.set(msg.jobId, list);
  }
  const config = configObject(env);
  if (applied.size)
    await config.recordJobProgress(
      [...applied].map(([id, a]) => ({ id, ...a, failed: 0 })),
      now,
    );
  let added = 0;
  for (const [jobId, list] of failures) added += await config.recordJobFailures(jobId, list, now);
  for (const m of batch.messages) m.ack();
  if (added) await alertDeadLetters(env, [...failures.keys()], added, now);
}

/** Never throws: the rows are recorded already, the alert is a courtesy. One an hour at most. */
async function alertDeadLetters(env: Env, jobIds: string[], rows: number, now: number): Promise<void> {
  try {
    const config = configObject(env);
    const last = Number((await config.setting(ALERT_SETTING)) ?? 0);
    if (now - last < REPEAT_MS) return;
    const cfg = await readAlertConfig(env);
    if (!cfg) return;
    const jobs = jobIds.slice(0, 5).join(', ');
    const message = `${rows} People API row(s) could not be applied (job ${jobs}); see GET /api/jobs/{id} for the reason and retry them with POST /api/jobs/{id}/retry or from the admin's job page`;
    const sent = await sendAlert(cfg, { kind: 'dead_letter', message, jobId: jobIds[0], count: rows, at: now });
    if (sent.ok) await config.setSetting(ALERT_SETTING, String(now));
  } catch (e) {
    logError('dead-letter alert failed', e);
  }
}
