import type { Env } from '../env';
import { enqueuePeople, peopleMessages } from '../ingest/people-producer';
import { MAX_PEOPLE_PER_REQUEST, personRowSchema, sourceSchema, type PersonRow } from '../../shared/schemas/people';
import { parseCsv, setPath } from './csv';
import { configObject } from '../objects/doors';
import { jobId } from '../../shared/hex';

// A CSV of people applied as POST /v1/people applies a body: every row validated by the same schema,
// the valid ones queued as one ingest job through the same producer, with the same job progress.

export interface UploadRejection {
  line: number;
  message: string;
}

export type UploadOutcome =
  | { ok: true; jobId: string; accepted: number; rejected: UploadRejection[] }
  | { ok: false; message: string; rejected?: UploadRejection[] };

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

export async function uploadPeople(env: Env, csv: string, source: string, now: number): Promise<UploadOutcome> {
  const src = sourceSchema.safeParse(source);
  if (!src.success) return { ok: false, message: `Source: ${src.error.issues[0]?.message ?? 'invalid'}` };
  let table: string[][];
  try {
    table = parseCsv(csv);
  } catch (e) {
    return { ok: false, message: `The file is not valid CSV: ${e instanceof Error ? e.message : 'parse error'}.` };
  }
  const [header, ...body] = table;
  if (!header || body.length === 0)
    return { ok: false, message: 'The file needs a header row and at least one person.' };
  if (body.length > MAX_PEOPLE_PER_REQUEST)
    return {
      ok: false,
      message: `At most ${MAX_PEOPLE_PER_REQUEST} people per upload; this file has ${body.length}. Split it.`,
    };
  const columns = header.map((h) => h.trim());
  const emailAt = columns.findIndex((h) => h.toLowerCase() === 'email');
  if (emailAt < 0) return { ok: false, message: 'No column is named email.' };
  const badColumn = columns.find((h, i) => i !== emailAt && (!h || h.split('.').some((p) => !p || FORBIDDEN.has(p))));
  if (badColumn !== undefined)
    return {
      ok: false,
      message: `The column "${badColumn}" is not an attribute name: use names like stage or lead.status.`,
    };

  const accepted: PersonRow[] = [];
  const rejected: UploadRejection[] = [];
  body.forEach((cells, i) => {
    const attributes: Record<string, unknown> = {};
    columns.forEach((name, c) => {
      // An empty cell leaves the attribute as it is (null would delete it).
      if (c !== emailAt && cells[c] !== undefined && cells[c] !== '') setPath(attributes, name, cells[c]);
    });
    const row = personRowSchema.safeParse({ email: (cells[emailAt] ?? '').trim(), source: src.data, attributes });
    if (row.success) accepted.push(row.data);
    else
      rejected.push({
        line: i + 2,
        message: row.error.issues.map((x) => `${x.path.join('.') || 'row'}: ${x.message}`).join('; '),
      });
  });
  if (accepted.length === 0) return { ok: false, message: 'No row was valid.', rejected };
  const id = jobId();
  await configObject(env).createJob(id, 'people', accepted.length, rejected.length, now);
  await enqueuePeople(env, peopleMessages(id, accepted));
  return { ok: true, jobId: id, accepted: accepted.length, rejected };
}
