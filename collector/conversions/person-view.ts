// The person view's audiences and conversions (GET /api/people/{email}, and the admin's person
// page): memberships as entries and exits with their times, and per conversion row the delivery
// state its destination's outbox holds — status, attempts, the exact request (credentials
// redacted) and the platform's answer.
import type { Env } from '../env';
import type { ConversionRow, Entry } from '../audiences/types';
import { conversionsOfPerson, type ConversionLogEntry } from './log';
import { configObject, personByKey } from '../objects/doors';

export interface Membership {
  audienceId: string;
  audienceName: string | null;
  /** Every entry: id (the platform's dedup key), the audience timestamp (epoch s), when it was recorded (ms). */
  entries: { id: string; timestamp: number; enteredAt: number }[];
  /** Every exit: when (ms), why, and the timestamp at that moment (ms) when there was one. */
  exits: { at: number; reason: string; timestampMs: number | null }[];
}

export interface PersonConversion {
  /** `<entry id>:<conversion id>`: one entry x one conversion configured on the audience. */
  id: string;
  entryId: string;
  audienceId: string;
  conversionId: string;
  destinationId: string;
  destinationName: string | null;
  destinationType: string | null;
  timestamp: number;
  /** The delivery status once the outbox holds the row (paused / cancelled while the gate holds / will cancel it), else the person's (pending, paused, skipped, cancelled). */
  status: string;
  /** Why the person side skipped it (outside_window, existing_entry, consent_denied, ...). */
  reason: string | null;
  createdAt: number;
  /** The outbox row (same shape as GET /api/conversions/{id}), or null before hand-off. */
  delivery: ConversionLogEntry | null;
}

/**
 * A queued outbox row whose conversion or audience is paused (or deleted) reads as the person's
 * 'paused' ('cancelled'): the outbox's gate holds (cancels) it when it comes due.
 */
function heldOrCancelled(status: string, d: ConversionLogEntry | null): string | null {
  return d?.status === 'queued' && (status === 'paused' || status === 'cancelled') ? status : null;
}

type Retraction = {
  id: string;
  entryId: string;
  audienceId: string;
  conversionId: string;
  destinationId: string;
  retractAt: number;
  status: string;
  reason: string | null;
  createdAt: number;
};
type History = {
  entries: Entry[];
  exits: { audienceId: string; at: number; reason: string; timestampMs: number | null }[];
  conversions: ConversionRow[];
  retractions?: Retraction[];
};

/** A retraction (an exit marked as a reversal) with its delivery: withdrawn, recorded, or why not. */
export interface PersonRetraction extends Retraction {
  delivery: ConversionLogEntry | null;
}

export async function personActivity(
  env: Env,
  key: string,
): Promise<{ memberships: Membership[]; conversions: PersonConversion[]; retractions: PersonRetraction[] }> {
  const history = (await personByKey(env, key).audienceHistory()) as History;
  const [audiences, delivered] = await Promise.all([
    configObject(env).listAudiences() as Promise<{ id: string; name: string }[]>,
    conversionsOfPerson(
      env,
      key,
      history.conversions.map((c) => c.destinationId),
    ),
  ]);
  const names = new Map(audiences.map((a) => [a.id, a.name]));
  const byAudience = new Map<string, Membership>();
  const membership = (audienceId: string) => {
    let m = byAudience.get(audienceId);
    if (!m)
      byAudience.set(
        audienceId,
        (m = { audienceId, audienceName: names.get(audienceId) ?? null, entries: [], exits: [] }),
      );
    return m;
  };
  for (const e of history.entries)
    membership(e.audienceId).entries.push({ id: e.id, timestamp: e.timestamp, enteredAt: e.enteredAt });
  for (const x of history.exits)
    membership(x.audienceId).exits.push({ at: x.at, reason: x.reason, timestampMs: x.timestampMs });
  const conversions = history.conversions.map((c): PersonConversion => {
    const same = delivered.filter(
      (d) => d.destinationId === c.destinationId && d.entryId === c.entryId && d.kind !== 'retraction',
    );
    // Two conversions keyed alike (a conversion turned off and on again) share one outbox row.
    const d = same.find((x) => x.conversionId === c.conversionId) ?? same[0] ?? null;
    return {
      id: c.id,
      entryId: c.entryId,
      audienceId: c.audienceId,
      conversionId: c.conversionId,
      destinationId: c.destinationId,
      destinationName: d?.destinationName ?? null,
      destinationType: d?.destinationType ?? null,
      timestamp: c.timestamp,
      status: heldOrCancelled(c.status, d) ?? d?.status ?? c.status,
      reason: c.reason,
      createdAt: c.createdAt,
      delivery: d,
    };
  });
  const retractions = (history.retractions ?? []).map((r): PersonRetraction => {
    const d =
      delivered.find(
        (x) =>
          x.kind === 'retraction' &&
          x.destinationId === r.destinationId &&
          x.entryId === r.entryId &&
          x.conversionId === r.conversionId,
      ) ?? null;
    return { ...r, status: d?.status ?? r.status, delivery: d };
  });
  return {
    memberships: [...byAudience.values()],
    conversions: conversions.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1)),
    retractions,
  };
}
