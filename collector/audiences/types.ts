// Types shared by the ConfigObject, the PersonObject's audience module, populate jobs and the
// delivery side. The conversion row is the hand-off contract with destinations (see hand-off.ts).
import type { NonMemberReason } from '../../shared/criteria';
import type { AudienceDefinition } from '../../shared/schemas/audience';
import type { ConversionSettings } from '../../shared/schemas/conversion';
import type { IdentityMapping } from '../../shared/schemas/identity-mapping';

export interface StoredAudience extends AudienceDefinition {
  id: string;
  /** Bumped on every change that can alter membership; populate jobs run per version. */
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface StoredConversion extends ConversionSettings {
  id: string;
  audienceId: string;
  /** Turn-on time: entries made before it are "existing" (sent only with sendExisting). */
  enabledAt: number;
  createdAt: number;
  updatedAt: number;
}

/** What a PersonObject needs to evaluate: every audience with its conversions. */
export interface AudienceConfig {
  version: number;
  /** The deployment's identity mapping (over the defaults; audiences/identity-mapping.ts). */
  identityMapping?: IdentityMapping | null;
  audiences: (StoredAudience & { conversions: StoredConversion[] })[];
}

export type ConversionStatus =
  | 'pending' // due: handed to the destination's outbox
  | 'paused' // made while the audience or conversion was paused; re-decided on resume
  | 'skipped' // never sent; `reason` says why
  | 'cancelled' // audience or conversion deleted before sending
  // The delivery side owns the states after hand-off.
  | 'sending'
  | 'sent'
  | 'pending_confirmation'
  | 'unmatched'
  | 'failed'
  | 'dead';

export const CONVERSION_STATUSES: ConversionStatus[] = [
  'pending',
  'paused',
  'skipped',
  'cancelled',
  'sending',
  'sent',
  'pending_confirmation',
  'unmatched',
  'failed',
  'dead',
];

export type SkipReason =
  | 'outside_window' // the entry's timestamp is no longer inside the audience window
  | 'existing_entry' // entered before the conversion was turned on, with sendExisting: false
  | 'consent_denied'
  | 'no_matchable_identifier'
  | 'older_than_platform_allows'
  | 'reversed'; // the person left for a reason its retractOn marks as a reversal before it was handed off

/** Why the audit shows no payload: the entry rules' reasons, the destination builder's, or the state of things. */
export type AuditSkip =
  | SkipReason
  | 'invalid_event' // the builder refused the event (e.g. Meta website events without a landing URL)
  | 'cancelled' // the audience or conversion was deleted before sending
  | 'erased' // the person was erased before sending
  | 'no_entry' // the person has no entry in this audience
  | 'not_sent' // a retraction whose conversion was never sent
  | 'no_retraction' // a retraction the platform cannot take (recorded only)
  | 'destination_not_configured';

/** One entry x one conversion. Its id is `<entryId>:<conversionId>`; the event id sent is entryId. */
export interface ConversionRow {
  id: string;
  entryId: string;
  audienceId: string;
  conversionId: string;
  destinationId: string;
  personKey: string;
  /** The audience timestamp in epoch seconds; the event time sent is this, clamped to the send time. */
  timestamp: number;
  status: ConversionStatus;
  reason: SkipReason | null;
  createdAt: number;
  updatedAt: number;
}

export interface Entry {
  id: string;
  audienceId: string;
  /** Epoch seconds. */
  timestamp: number;
  enteredAt: number;
}

/** A person's membership as pushed to the members index. */
export interface MembershipChange {
  audienceId: string;
  member: boolean;
  timestampMs: number | null;
  since: number;
}

export interface EvaluationResult {
  known: boolean;
  personKey: string | null;
  /** Audience ids the person is a member of after this evaluation. */
  members: string[];
  entries: Entry[];
  exits: { audienceId: string; reason: NonMemberReason }[];
  nextBoundary: number | null;
  /** With `returnIndex`: every membership of the person, for the caller to write to the index. */
  index?: MembershipChange[];
}
