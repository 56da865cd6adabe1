// One evaluation of a person's audiences as a plan, pure (no SQL, no I/O, time a parameter): from the
// config, the person's attributes and what their membership tables held, what the evaluation records.
// Each membership is computed once. The PersonObject's audience store applies the plan in one
// transaction (collector/objects/person-audience-store.ts); the rules themselves are entry-rules.ts
// (entries, exits, conversion rows) and retraction-rules.ts (retractOn).
import { membership, nextBoundary, type NonMemberReason } from '../../shared/criteria';
import { attributesFor, decideFrom, rowFor } from './entry-rules';
import { retractionFor } from './retraction-rules';
import type { AudienceConfig, ConversionStatus, SkipReason } from './types';

export type Consent = 'granted' | 'denied' | 'unknown';

/** What the person's membership tables hold before the evaluation (empty when they do not exist yet). */
export interface AudiencePrior {
  /** Whether the tables exist (they are created with a person's first audience row). */
  tracked: boolean;
  consent: Consent;
  states: { audienceId: string; member: boolean; timestampMs: number | null }[];
  /** In recording order (entered_at, then timestamp). */
  entries: { id: string; audienceId: string; timestamp: number; enteredAt: number }[];
  conversions: {
    id: string;
    entryId: string;
    audienceId: string;
    conversionId: string;
    timestamp: number;
    status: ConversionStatus;
    reason: SkipReason | null;
    handedOff: boolean;
  }[];
  /** Retractions not handed off yet (status pending). */
  openRetractions: { id: string; audienceId: string; conversionId: string }[];
}

export const EMPTY_PRIOR: AudiencePrior = {
  tracked: false,
  consent: 'unknown',
  states: [],
  entries: [],
  conversions: [],
  openRetractions: [],
};

/** A conversion row to create; `entryId` null: the entry this plan records for the audience (its id is hashed by the caller). */
export interface PlannedConversion {
  entryId: string | null;
  audienceId: string;
  conversionId: string;
  destinationId: string;
  timestamp: number;
  status: ConversionStatus;
  reason: SkipReason | null;
}

export interface PlannedRetraction {
  conversionRowId: string;
  entryId: string;
  audienceId: string;
  conversionId: string;
  destinationId: string;
  timestamp: number;
  retractAt: number;
  status: 'pending' | 'skipped';
  reason: string | null;
}

export interface EvaluationPlan {
  /** Audience ids the person is a member of after the evaluation. */
  members: string[];
  /** New entries (at most one per audience), epoch seconds. */
  entries: { audienceId: string; timestamp: number }[];
  /** Exits of configured audiences (what the evaluation reports) and of deleted ones (`audience_deleted`). */
  exits: { audienceId: string; reason: NonMemberReason | 'audience_deleted'; timestampMs: number | null }[];
  /** Membership rows written (each goes to the members index again). */
  states: { audienceId: string; member: boolean; timestampMs: number | null }[];
  /** Membership rows of audiences no longer configured. */
  dropStates: string[];
  newConversions: PlannedConversion[];
  /** Status changes of existing conversion rows (pause, resume, cancel, a reversal before hand-off). */
  conversionUpdates: { id: string; status: ConversionStatus; reason: SkipReason | null }[];
  /** Recorded once per conversion row (a row already there stays). */
  retractions: PlannedRetraction[];
  cancelRetractions: string[];
  /** The next instant membership may change with no new data, or null. */
  nextBoundary: number | null;
  /** Whether an evaluation with this config records an entry (then the config must be the current one). */
  wouldEnter: boolean;
  /** Nothing to record or reconcile: no membership tables and no membership. */
  untracked: boolean;
}

type Audience = AudienceConfig['audiences'][number];

export function planEvaluation(
  config: AudienceConfig,
  attributes: Record<string, unknown>,
  prior: AudiencePrior,
  now: number,
): EvaluationPlan {
  const plan: EvaluationPlan = {
    members: [],
    entries: [],
    exits: [],
    states: [],
    dropStates: [],
    newConversions: [],
    conversionUpdates: [],
    retractions: [],
    cancelRetractions: [],
    nextBoundary: null,
    wouldEnter: false,
    untracked: false,
  };
  const states = new Map(prior.states.map((s) => [s.audienceId, s]));
  // Conversion rows as this plan leaves them (a reversal may skip one before the reconciliation below).
  const rows = new Map(prior.conversions.map((c) => [c.id, { ...c }]));
  const configured = new Map(config.audiences.map((a) => [a.id, a]));

  for (const audience of config.audiences) {
    const attrs = attributesFor(audience, attributes);
    const m = membership(audience, attrs, now);
    const state = states.get(audience.id);
    const entryTimestamps = prior.entries.filter((e) => e.audienceId === audience.id).map((e) => e.timestamp);
    const d = decideFrom(m, audience, { member: state?.member === true, entryTimestamps });
    if (d.enter !== null) plan.entries.push({ audienceId: audience.id, timestamp: d.enter });
    if (d.exit) {
      plan.exits.push({ audienceId: audience.id, reason: d.reason!, timestampMs: d.timestampMs });
      planRetractions(plan, audience, attrs, prior, rows, now);
    }
    if (d.member) plan.members.push(audience.id);
    const changed = !state || state.member !== d.member || (d.member && state.timestampMs !== d.timestampMs);
    if (changed && (state || d.member))
      plan.states.push({ audienceId: audience.id, member: d.member, timestampMs: d.member ? d.timestampMs : null });
    const boundary = nextBoundary(audience, attrs, now);
    if (boundary !== null && (plan.nextBoundary === null || boundary < plan.nextBoundary)) plan.nextBoundary = boundary;
  }
  plan.wouldEnter = plan.entries.length > 0;
  plan.untracked = !prior.tracked && plan.members.length === 0;
  if (plan.untracked) return plan;

  // Audiences deleted since the last evaluation: the membership ends, the entries stay as history.
  for (const s of prior.states) {
    if (configured.has(s.audienceId)) continue;
    if (s.member) plan.exits.push({ audienceId: s.audienceId, reason: 'audience_deleted', timestampMs: s.timestampMs });
    plan.dropStates.push(s.audienceId);
  }
  planConversions(plan, config, configured, prior, rows, now);
  return plan;
}

/**
 * An exit for a reason a conversion marks as a reversal (retractOn): a retraction of the conversion
 * row of the entry that counted, once per row, when that row was handed to delivery or will be; a row
 * not handed off yet is not sent at all instead (nothing to withdraw).
 */
function planRetractions(
  plan: EvaluationPlan,
  audience: Audience,
  attrs: Record<string, unknown>,
  prior: AudiencePrior,
  rows: Map<string, AudiencePrior['conversions'][number]>,
  now: number,
) {
  const last = lastEntry(prior.entries.filter((e) => e.audienceId === audience.id));
  if (!last) return;
  for (const conversion of audience.conversions) {
    const rowId = `${last.id}:${conversion.id}`;
    const original = rows.get(rowId);
    const d = retractionFor(audience, conversion, attrs, original?.status ?? null, now);
    if (!d) continue;
    if (
      d.status === 'pending' &&
      !original!.handedOff &&
      (original!.status === 'pending' || original!.status === 'paused')
    ) {
      original!.status = 'skipped';
      original!.reason = 'reversed';
      plan.conversionUpdates.push({ id: rowId, status: 'skipped', reason: 'reversed' });
      continue;
    }
    plan.retractions.push({
      conversionRowId: rowId,
      entryId: last.id,
      audienceId: audience.id,
      conversionId: conversion.id,
      destinationId: conversion.destinationId,
      timestamp: last.timestamp,
      retractAt: d.retractAt,
      status: d.status,
      reason: d.reason,
    });
  }
}

/** The newest entry (entered last; on a tie, the later timestamp). */
function lastEntry<T extends { enteredAt: number; timestamp: number }>(entries: T[]): T | undefined {
  let last: T | undefined;
  for (const e of entries)
    if (!last || e.enteredAt > last.enteredAt || (e.enteredAt === last.enteredAt && e.timestamp >= last.timestamp))
      last = e;
  return last;
}

/** Conversion rows for every entry x conversion, by the go-live rules; pause, resume and cancel. */
function planConversions(
  plan: EvaluationPlan,
  config: AudienceConfig,
  configured: Map<string, Audience>,
  prior: AudiencePrior,
  rows: Map<string, AudiencePrior['conversions'][number]>,
  now: number,
) {
  for (const audience of config.audiences) {
    if (audience.conversions.length === 0) continue;
    const entries: { id: string | null; timestamp: number; enteredAt: number }[] = prior.entries.filter(
      (e) => e.audienceId === audience.id,
    );
    const entered = plan.entries.find((e) => e.audienceId === audience.id);
    if (entered) entries.push({ id: null, timestamp: entered.timestamp, enteredAt: now });
    for (const entry of entries) {
      for (const conversion of audience.conversions) {
        if (entry.id !== null && rows.has(`${entry.id}:${conversion.id}`)) continue;
        const d = rowFor(entry, conversion, audience, now, prior.consent);
        plan.newConversions.push({
          entryId: entry.id,
          audienceId: audience.id,
          conversionId: conversion.id,
          destinationId: conversion.destinationId,
          timestamp: entry.timestamp,
          status: d.status,
          reason: d.reason,
        });
      }
    }
  }
  // Rows made above are stable under these rules (rowFor already applied pause, window and consent).
  for (const row of rows.values()) {
    if (row.status !== 'pending' && row.status !== 'paused') continue;
    const audience = configured.get(row.audienceId);
    const conversion = audience?.conversions.find((c) => c.id === row.conversionId);
    let next: { status: ConversionStatus; reason: SkipReason | null };
    if (!audience || !conversion) next = { status: 'cancelled', reason: null };
    else if (row.status === 'paused' && row.handedOff) {
      // Handed off before the pause: the outbox's gate held it there and sends it now (its own age rule applies).
      if (audience.paused || conversion.paused) continue;
      next = { status: 'pending', reason: null };
    } else if (row.status === 'paused') {
      // Resumed rows go only if still inside the window (the platform's age limit is delivery's).
      next = rowFor(
        { timestamp: row.timestamp, enteredAt: conversion.enabledAt },
        { ...conversion, sendExisting: true },
        audience,
        now,
        prior.consent,
      );
    } else if (audience.paused || conversion.paused) {
      // Also a row already handed off: the outbox's gate holds it while paused (DestinationObject.conversionGate).
      next = { status: 'paused', reason: null };
    } else continue;
    if (next.status !== row.status || next.reason !== row.reason) plan.conversionUpdates.push({ id: row.id, ...next });
  }
  // A retraction not yet handed off whose conversion or audience is gone has nowhere to go.
  for (const r of prior.openRetractions) {
    if (!configured.get(r.audienceId)?.conversions.some((c) => c.id === r.conversionId))
      plan.cancelRetractions.push(r.id);
  }
}
