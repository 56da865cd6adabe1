import { z } from 'zod';
import { emailSchema } from './collect';

// Wire format of POST /v1/people: CRM / marketing-automation / CDP attributes per person and source.
// The envelope is checked first; each row is then validated on its own, so one bad row never
// blocks the others.
export const MAX_PEOPLE_PER_REQUEST = 1000;
export const MAX_PEOPLE_BYTES = 1024 * 1024;
export const MAX_ROW_BYTES = 64 * 1024;
const MAX_DEPTH = 8;

// Sources written only by the collector's identifies: a sync may not impersonate the browser or a
// signed identify. `segment` is not reserved: a sync may write it too (both senders hold a secret key),
// and deployments that filled `segment.*` through /v1/people before identifies did keep working.
export const RESERVED_SOURCES = ['traits', 'signed_traits'] as const;

export const sourceSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'source is 1-40 lowercase letters, digits or _ and starts with a letter')
  .refine(
    (s) => !(RESERVED_SOURCES as readonly string[]).includes(s),
    'traits and signed_traits are written by identifies only',
  );

function depth(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  let d = 0;
  for (const x of Object.values(v)) d = Math.max(d, depth(x));
  return d + 1;
}

export const attributesSchema = z
  .record(z.string().min(1).max(200), z.json())
  .refine((a) => depth(a) <= MAX_DEPTH, `attributes nest at most ${MAX_DEPTH} levels`)
  .refine((a) => JSON.stringify(a).length <= MAX_ROW_BYTES, `attributes are at most ${MAX_ROW_BYTES} bytes of JSON`);

export const personRowSchema = z.strictObject({
  email: emailSchema,
  source: sourceSchema,
  /** Deep-merged into what the source sent before; `null` deletes a key. */
  attributes: attributesSchema,
});

export const peopleBodySchema = z.strictObject({
  people: z.array(z.unknown()).min(1).max(MAX_PEOPLE_PER_REQUEST),
});

export type PersonRow = z.infer<typeof personRowSchema>;
export type RejectedRow = { index: number; email?: string; code: string; message: string; issues?: unknown };
export type PeopleResponse = { jobId: string; accepted: number; rejected: RejectedRow[] };

export type JobState = 'queued' | 'running' | 'done';
/** GET /api/jobs/{id}. */
export interface Job {
  id: string;
  kind: 'people';
  state: JobState;
  total: number;
  applied: number;
  suppressed: number;
  failed: number;
  rejected: number;
  createdAt: number;
  updatedAt: number;
  /** Rows the queue gave up on (dead-lettered), with the reason; retried by POST /api/jobs/{id}/retry. */
  failures: JobFailure[];
}

/** One person's rows of a job that could not be applied (at most 1000 listed). */
export interface JobFailure {
  email: string;
  rows: { source: string; attributes: Record<string, unknown> }[];
  reason: string;
  failedAt: number;
}
