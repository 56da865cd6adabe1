// The audit's "would send" view of one entry x conversion. Until the destination builders land
// (delivery work: destinations/<platform>.ts), this is a generic, platform-neutral preview of the
// event the builders will turn into a request: same event id, event time, value and match keys.
import { getPath } from '../../shared/criteria';
import { isClickKind, lifetimeMs, platformOf, type TouchKind } from '../../shared/click-ids';
import { normalizeEmail, sha256Hex } from '../../shared/normalize';
import { parseTimestamp } from '../../shared/time';
import type { SkipReason, StoredConversion } from './types';

export interface PersonFacts {
  email: string;
  consent: 'granted' | 'denied' | 'unknown';
  touches: { kind: string; value: string; firstSeen: number; lastSeen: number }[];
  devices: { ip: string | null; userAgent: string | null; lastSeen: number }[];
}

export interface GenericPreview {
  builder: 'generic';
  destinationId: string;
  eventId: string;
  eventName: string | null;
  conversionAction: string | null;
  actionSource: string;
  /** Epoch seconds: the entry timestamp, clamped to now when it lies in the future. */
  eventTime: number;
  value: number | null;
  currency: string | null;
  user: {
    emailSha256: string | null;
    /** Newest click of each platform still inside its window at the event time. */
    clickIds: { platform: string; kind: string; value: string; firstSeen: number }[];
    ip: string | null;
    userAgent: string | null;
  };
}

export type PreviewOutcome = { payload: GenericPreview } | { skip: SkipReason; detail: string };

export async function previewConversion(
  entry: { id: string; timestamp: number },
  conversion: StoredConversion,
  person: PersonFacts,
  attributes: Record<string, unknown>,
  now: number,
): Promise<PreviewOutcome> {
  if (person.consent === 'denied') return { skip: 'consent_denied', detail: 'the person denied ads consent' };
  const eventTime = Math.min(entry.timestamp, Math.floor(now / 1000));
  const email = normalizeEmail(person.email);
  const clickIds = newestClicks(person.touches, eventTime * 1000);
  if (!email && clickIds.length === 0) return { skip: 'no_matchable_identifier', detail: 'no email and no click ID to match on' };
  const device = person.devices[0] ?? null;
  return {
    payload: {
      builder: 'generic',
      destinationId: conversion.destinationId,
      eventId: entry.id,
      eventName: conversion.eventName ?? null,
      conversionAction: conversion.conversionAction ?? null,
      actionSource: conversion.actionSource ?? 'system_generated',
      eventTime,
      value: valueOf(conversion, attributes),
      currency: conversion.currency ?? null,
      user: {
        emailSha256: email ? await sha256Hex(email) : null,
        clickIds,
        ip: device?.ip ?? null,
        userAgent: device?.userAgent ?? null,
      },
    },
  };
}

function valueOf(conversion: StoredConversion, attributes: Record<string, unknown>): number | null {
  if (conversion.valueField) {
    const raw = getPath(attributes, conversion.valueField);
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (Number.isFinite(n)) return n;
  }
  return conversion.value ?? null;
}

function newestClicks(touches: PersonFacts['touches'], eventMs: number) {
  const best = new Map<string, PersonFacts['touches'][number]>();
  for (const t of touches) {
    if (!isClickKind(t.kind)) continue;
    const kind = t.kind as TouchKind;
    if (t.firstSeen > eventMs || t.firstSeen < eventMs - lifetimeMs(kind)) continue;
    const platform = platformOf(kind);
    const current = best.get(platform);
    if (!current || t.firstSeen > current.firstSeen) best.set(platform, t);
  }
  return [...best.entries()].map(([platform, t]) => ({ platform, kind: t.kind, value: t.value, firstSeen: t.firstSeen }));
}

/** The audit's display of an attribute value: dates also shown as ISO so the window is checkable. */
export function describeValue(value: unknown): { value: unknown; parsed?: string } {
  if (typeof value === 'string' || typeof value === 'number') {
    const ms = parseTimestamp(value);
    if (ms !== null && typeof value === 'string' && /\d{4}-\d{2}-\d{2}|^\d{9,}$/.test(value.trim())) return { value, parsed: new Date(ms).toISOString() };
    if (ms !== null && typeof value === 'number' && Math.abs(value) >= 1e9) return { value, parsed: new Date(ms).toISOString() };
  }
  return { value: value === undefined ? null : value };
}
