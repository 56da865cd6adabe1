import { Hono } from 'hono';
import type { AppContext } from '../env';
import { ApiError } from '../http-error';
import { readJsonBody } from '../middleware/body';
import { requireSecretKey } from '../middleware/secret-key';
import { presentedKey, rateLimit } from '../middleware/rate-limit';
import { enqueuePeople, peopleMessages } from '../ingest/people-producer';
import {
  MAX_PEOPLE_BYTES,
  peopleBodySchema,
  personRowSchema,
  type PeopleResponse,
  type PersonRow,
  type RejectedRow,
} from '../../shared/schemas/people';
import { zodIssues } from '../validation';
import { configObject } from '../objects/doors';
import { jobId } from '../../shared/hex';

export const peopleIngest = new Hono<AppContext>();

/** CRM / MAP / CDP attributes: rows validated now, applied asynchronously through the JOBS queue. */
peopleIngest.post(
  '/v1/people',
  rateLimit('RATE_LIMIT_KEY_PER_MINUTE', presentedKey),
  requireSecretKey('ingest'),
  async (c) => {
    const raw = await readJsonBody(c, MAX_PEOPLE_BYTES);
    const parsed = peopleBodySchema.safeParse(raw);
    if (!parsed.success)
      throw new ApiError(
        400,
        'invalid_request',
        'body must be {people: [{email, source, attributes}]} with 1 to 1000 rows',
        zodIssues(parsed.error),
      );
    const accepted: PersonRow[] = [];
    const rejected: RejectedRow[] = [];
    for (const [index, row] of parsed.data.people.entries()) {
      const r = personRowSchema.safeParse(row);
      if (r.success) accepted.push(r.data);
      else {
        const email =
          typeof (row as { email?: unknown })?.email === 'string'
            ? (row as { email: string }).email.slice(0, 254)
            : undefined;
        rejected.push({
          index,
          email,
          code: 'invalid_row',
          message: 'row failed validation',
          issues: zodIssues(r.error),
        });
      }
    }
    if (!accepted.length) throw new ApiError(400, 'invalid_request', 'no row was valid', rejected);
    const id = jobId();
    await configObject(c.env).createJob(id, 'people', accepted.length, rejected.length, c.get('now'));
    await enqueuePeople(c.env, peopleMessages(id, accepted));
    const body: PeopleResponse = { jobId: id, accepted: accepted.length, rejected };
    return c.json(body, 202);
  },
);
