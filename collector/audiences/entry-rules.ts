// The entry rules of ARCHITECTURE.md §4, pure: membership comes from shared/criteria.ts, these
// decide what it means for entries, exits and conversion rows. Time is a parameter.
import { FUTURE_TOLERANCE_MS, membership, type Membership } from '../../shared/criteria';
import { DAY_MS, toEpochSeconds } from '../../shared/time';
import { isTraitsField } from '../../shared/schemas/audience';
import type { AudienceDefinition } from '../../shared/schemas/audience';
import type { ConversionStatus, SkipReason, StoredConversion } from './types';
import type { ConsentState } from '../../shared/schemas/collect';

/** The attributes an audience may read: browser-sent traits only when it opted in. */
export function attributesFor(
  audience: Pick<AudienceDefinition, 'allowTraits'>,
  attributes: Record<string, unknown>,
): Record<string, unknown> {
  if (audience.allowTraits) return attributes;
  const trusted: Record<string, unknown> = {};
  for (const [source, data] of Object.entries(attributes)) if (!isTraitsField(source)) trusted[source] = data;
  return trusted;
}

export interface PriorState {
  member: boolean;
  /** Timestamps (epoch seconds) of the entries already recorded for this audience. */
  entryTimestamps: number[];
}

export interface Decision extends Membership {
  /** Epoch seconds of a new entry to record, or null. */
  enter: number | null;
  exit: boolean;
}

/**
 * Whether this evaluation records an entry or an exit. `once`: only the first entry ever;
 * `per_timestamp`: an entry per new timestamp. A status flipping with the same timestamp re-enters
 * nothing, whatever the policy.
 */
export function decide(
  audience: Pick<AudienceDefinition, 'criteria' | 'timestamp' | 'reentry' | 'allowTraits'>,
  attributes: Record<string, unknown>,
  prior: PriorState,
  now: number,
): Decision {
  return decideFrom(membership(audience, attributesFor(audience, attributes), now), audience, prior);
}

/** decide() on a membership already computed (the plan computes each membership once). */
export function decideFrom(m: Membership, audience: Pick<AudienceDefinition, 'reentry'>, prior: PriorState): Decision {
  if (!m.member) return { ...m, enter: null, exit: prior.member };
  const ts = toEpochSeconds(m.timestampMs!);
  const counted = audience.reentry === 'once' ? prior.entryTimestamps.length > 0 : prior.entryTimestamps.includes(ts);
  return { ...m, enter: counted ? null : ts, exit: false };
}

/** True when an entry timestamp (epoch seconds) lies inside the audience window at `now`. */
export function insideWindow(timestampSeconds: number, withinDays: number, now: number): boolean {
  const ms = timestampSeconds * 1000;
  // Seconds are floored, so allow the lost fraction at the lower edge.
  return ms + 999 >= now - withinDays * DAY_MS && ms <= now + FUTURE_TOLERANCE_MS;
}

export interface RowDecision {
  status: Extract<ConversionStatus, 'pending' | 'paused' | 'skipped'>;
  reason: SkipReason | null;
}

/**
 * The status of a new conversion row for an entry (go-live rules, §4): entries made before the
 * conversion was turned on are sent only with sendExisting; nothing outside the window is sent;
 * while paused, rows wait.
 */
export function rowFor(
  entry: { timestamp: number; enteredAt: number },
  conversion: Pick<StoredConversion, 'enabledAt' | 'sendExisting' | 'paused'>,
  audience: Pick<AudienceDefinition, 'timestamp' | 'paused'>,
  now: number,
  consent: ConsentState = 'unknown',
): RowDecision {
  if (entry.enteredAt < conversion.enabledAt && !conversion.sendExisting)
    return { status: 'skipped', reason: 'existing_entry' };
  if (!insideWindow(entry.timestamp, audience.timestamp.withinDays, now))
    return { status: 'skipped', reason: 'outside_window' };
  if (consent === 'denied') return { status: 'skipped', reason: 'consent_denied' };
  if (audience.paused || conversion.paused) return { status: 'paused', reason: null };
  return { status: 'pending', reason: null };
}
