import type { Env } from '../env';
import { identityOf } from '../identity';
import type { PeopleJobMessage } from './job-messages';
import type { PersonRow } from '../../shared/schemas/people';

// Queue limits: 100 messages and 256 KB per sendBatch; keep a margin for the envelope.
const MESSAGES_PER_SEND = 100;
const BYTES_PER_SEND = 200 * 1024;

/** One message per person (their rows in request order), sent in as few batches as the limits allow. */
export function peopleMessages(jobId: string, rows: PersonRow[]): PeopleJobMessage[] {
  const byEmail = new Map<string, PeopleJobMessage>();
  for (const row of rows) {
    const email = identityOf(row.email);
    let msg = byEmail.get(email);
    if (!msg) byEmail.set(email, (msg = { kind: 'people', jobId, email, rows: [] }));
    msg.rows.push({ source: row.source, attributes: row.attributes as Record<string, unknown> });
  }
  return [...byEmail.values()];
}

export async function enqueuePeople(env: Env, messages: PeopleJobMessage[]): Promise<void> {
  let batch: MessageSendRequest<PeopleJobMessage>[] = [];
  let bytes = 0;
  for (const body of messages) {
    const size = JSON.stringify(body).length + 100;
    if (batch.length && (batch.length >= MESSAGES_PER_SEND || bytes + size > BYTES_PER_SEND)) {
      await env.JOBS.sendBatch(batch);
      batch = [];
      bytes = 0;
    }
    batch.push({ body, contentType: 'json' });
    bytes += size;
  }
  if (batch.length) await env.JOBS.sendBatch(batch);
}
