// The identify answer's `conversions`: what that identify made the person enter, as the page's own
// pixel needs it to deduplicate against the server's copy (docs/deduplication.md). Only the
// identified person's rows made by this identify; only the event id, the platform's event name and
// config (never attributes: a value read from a CRM field stays on the server).
import type { Env } from '../env';
import { personByKey } from '../objects/doors';
import { loadAudienceConfig } from '../audiences/config-cache';
import type { AudienceConfig, ConversionRow, ConversionStatus, StoredConversion } from '../audiences/types';
import { fieldsUsed } from '../../shared/criteria';
import { configObject } from '../objects/doors';
import { redditType } from '../destinations/reddit';
import { OPENAI_EVENT_SHAPES } from '../destinations/openai-ads';
import type { DestinationType } from '../../shared/schemas/destinations';
import type { CollectConversion } from '../../shared/schemas/collect';

type Audience = AudienceConfig['audiences'][number];

// Rows the server is sending or will send; paused rows wait for a resume (maybe past the pixel's
// dedup window), skipped and cancelled ones are never sent.
const SENDING: ConversionStatus[] = ['pending', 'sending', 'sent', 'pending_confirmation'];

/** Reddit's pixel spells the Conversions API's tracking types in Pascal case (SIGN_UP: SignUp). */
const pascal = (type: string) => type.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());

/**
 * How one conversion on one destination type appears to the page: the platform and the event name
 * its pixel must use for the two copies to count as one (Meta and TikTok match name + id). Microsoft
 * Ads takes offline conversions, which it deduplicates by click and time only: nothing to hand over.
 */
export function browserEvent(
  type: DestinationType,
  conversion: Pick<StoredConversion, 'eventName' | 'conversionAction'>,
): Omit<CollectConversion, 'eventId' | 'conversionId' | 'value' | 'currency'> | null {
  const name = conversion.eventName;
  const action = conversion.conversionAction
    ? { conversionAction: conversion.conversionAction.replace(/^urn:.*:/, '') }
    : {};
  switch (type) {
    case 'meta':
      return { platform: 'meta', eventName: name ?? 'Lead' };
    case 'google_ads':
    case 'google_data_manager':
      return { platform: 'google', eventName: 'conversion', ...action };
    case 'linkedin':
      return { platform: 'linkedin', ...action };
    case 'reddit': {
      const t = redditType(name);
      if (!t) return null;
      return { platform: 'reddit', eventName: t.custom_event_name ?? pascal(t.tracking_type) };
    }
    case 'tiktok':
      return { platform: 'tiktok', eventName: name ?? 'SubmitForm' };
    case 'openai_ads': {
      const n = (name ?? 'lead_created').trim();
      return { platform: 'openai', eventName: OPENAI_EVENT_SHAPES[n.toLowerCase()] ? n.toLowerCase() : n };
    }
    default:
      return null;
  }
}

/** The page's view of rows: one per row whose platform takes an event id from a pixel. */
export function browserConversions(
  rows: Pick<ConversionRow, 'entryId' | 'conversionId' | 'destinationId' | 'status'>[],
  conversions: Map<string, StoredConversion>,
  types: Map<string, DestinationType>,
): CollectConversion[] {
  const out: CollectConversion[] = [];
  for (const row of rows) {
    const conversion = conversions.get(row.conversionId);
    const type = types.get(row.destinationId);
    if (!conversion || !type || !SENDING.includes(row.status)) continue;
    const event = browserEvent(type, conversion);
    if (!event) continue;
    // A value read from an attribute (valueField) is the person's CRM data: never handed to a browser.
    const value =
      conversion.value !== undefined && !conversion.valueField
        ? { value: conversion.value, ...(conversion.currency ? { currency: conversion.currency } : {}) }
        : {};
    out.push({ ...event, eventId: row.entryId, conversionId: row.conversionId, ...value });
  }
  return out;
}

/**
 * Whether an identify can make someone enter: only an audience reading what the browser sends (its
 * traits, with allowTraits, or signed traits). A CRM-only audience entered during an identify (its
 * config just saved, a boundary passing) owes the page nothing.
 */
export function readsBrowserData(audience: Pick<Audience, 'allowTraits' | 'criteria' | 'timestamp'>): boolean {
  return (
    !!audience.allowTraits ||
    [...fieldsUsed(audience.criteria), audience.timestamp.field].some((f) => f.startsWith('signed_traits.'))
  );
}

/**
 * The conversions the identify stored at `since` made for this person: rows of entries made at or
 * after it. One more RPC to the person (only when a conversion is on for an audience that reads the
 * browser's data) and one to the ConfigObject (only when a row was made: entries are rare).
 */
export async function triggeredConversions(env: Env, personKey: string, since: number): Promise<CollectConversion[]> {
  const cfg = await loadAudienceConfig(env);
  const live = new Map<string, StoredConversion>();
  for (const a of cfg.audiences)
    if (!a.paused && readsBrowserData(a)) for (const c of a.conversions) if (!c.paused) live.set(c.id, c);
  if (!live.size) return [];
  const { entries, conversions } = await personByKey(env, personKey).audienceHistory();
  // Entries this identify made: a row made now for an older entry (a conversion turned on since,
  // sending existing entries) belongs to a CRM stage the page had no part in.
  const entered = new Set(entries.filter((e) => e.enteredAt >= since).map((e) => e.id));
  const fresh = conversions.filter((r) => entered.has(r.entryId) && r.createdAt >= since && live.has(r.conversionId));
  if (!fresh.length) return [];
  const types = new Map((await configObject(env).listDestinations()).map((d) => [d.id, d.type] as const));
  return browserConversions(fresh, live, types);
}
