import { z } from 'zod';
import { isTouchKind, isValidClickId } from '../click-ids';

// Wire format of POST /v1/collect: what the browser tag sends. Each event is validated on its own,
// so the envelope only checks the key and that `events` is a bounded list.
export const MAX_COLLECT_BYTES = 64 * 1024;
export const MAX_EVENTS_PER_BATCH = 50;
export const MAX_TOUCHES_PER_EVENT = 50;
export const MAX_TOKEN_CHARS = 512;

const url = z.string().max(2048);
const ms = z.number().int().min(0).max(8.64e15);

// Exact case, from the registry (shared/click-ids.ts); typed as string so the tag's own code stays loose.
export const touchKindSchema = z.string().refine((k): boolean => isTouchKind(k), 'unknown click-ID kind');

export const touchSchema = z
  .strictObject({
    kind: touchKindSchema,
    value: z.string().min(1).max(500),
    firstSeen: ms,
    lastSeen: ms.optional(),
    landingUrl: url.optional(),
    referrer: url.optional(),
    /** The whole harvested cookie when the touch came from one (Meta's `_fbc`). */
    raw: z
      .string()
      .min(1)
      .max(600)
      .regex(/^[\x21-\x7e]+$/, 'raw must be printable ASCII')
      .optional(),
  })
  .refine((t) => isValidClickId(t.kind, t.value), {
    message: 'value fails the click-ID format check',
    path: ['value'],
  });

const pageContext = z.strictObject({
  url: url.optional(),
  referrer: url.optional(),
  title: z.string().max(500).optional(),
});

export const CONSENT_STATES = ['granted', 'denied', 'unknown'] as const;
/** Ads consent as a person or an event holds it: what the site's banner (or GPC) said, or `unknown`; `Consent` below is its wire object `{ ads }`. */
export type ConsentState = (typeof CONSENT_STATES)[number];
export const consentSchema = z.strictObject({ ads: z.enum(CONSENT_STATES) });

const contextSchema = z.strictObject({
  page: pageContext.optional(),
  userAgent: z.string().max(1024).optional(),
  consent: consentSchema.optional(),
});

export const idSchema = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);

const common = {
  messageId: idSchema,
  anonymousId: idSchema,
  timestamp: ms.optional(),
  context: contextSchema.optional(),
  /** The signed person token from an earlier identify's response. */
  token: z.string().min(1).max(MAX_TOKEN_CHARS).optional(),
};

// Traits are free-form but bounded: 100 keys, JSON-serializable values only.
export const traitsSchema = z
  .record(z.string().max(100), z.json())
  .refine((t) => Object.keys(t).length <= 100, 'at most 100 traits')
  .default({});

export const emailSchema = z.string().trim().min(3).max(254).email('invalid email');

export const identifyEventSchema = z.strictObject({
  type: z.literal('identify'),
  ...common,
  email: emailSchema,
  userId: z.string().max(200).optional(),
  traits: traitsSchema,
  touches: z.array(touchSchema).max(MAX_TOUCHES_PER_EVENT).default([]),
  /** Hex HMAC-SHA256 of the normalized email under the site's identify secret: marks traits trusted. */
  signature: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'signature must be 64 hex characters')
    .optional(),
});

export const touchEventSchema = z.strictObject({
  type: z.literal('touch'),
  ...common,
  touches: z.array(touchSchema).min(1).max(MAX_TOUCHES_PER_EVENT),
});

export const collectEventSchema = z.discriminatedUnion('type', [identifyEventSchema, touchEventSchema]);

export const collectBodySchema = z.strictObject({
  key: z.string().min(1).max(200),
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH),
});

export type Touch = z.infer<typeof touchSchema>;
export type Consent = z.infer<typeof consentSchema>;
export type IdentifyEvent = z.infer<typeof identifyEventSchema>;
export type TouchEvent = z.infer<typeof touchEventSchema>;
export type CollectEvent = z.infer<typeof collectEventSchema>;
export type CollectBody = z.infer<typeof collectBodySchema>;

export type RejectedEvent = { index: number; messageId?: string; code: string; message: string; issues?: unknown };
/**
 * A conversion the batch's identify made the identified person enter, as the page's pixel needs it to
 * deduplicate against the server's copy (docs/deduplication.md): the platform, its event name and the
 * event id the server sends. `value` / `currency` only when the conversion sets a fixed value.
 */
export type CollectConversion = {
  platform: 'meta' | 'google' | 'linkedin' | 'reddit' | 'tiktok' | 'openai';
  eventId: string;
  eventName?: string;
  /** The conversion's id in the collector, for routing (e.g. a GTM trigger per conversion). */
  conversionId: string;
  /** Google conversion action id / LinkedIn conversion rule id, when the conversion sets one. */
  conversionAction?: string;
  value?: number;
  currency?: string;
};
/**
 * Answer to a batch; `token` is the signed person token after an identify (store it, never the email);
 * `conversions` what that identify triggered for that person, when it triggered any.
 */
export type CollectResponse = {
  accepted: number;
  duplicates: number;
  rejected: RejectedEvent[];
  token?: string;
  conversions?: CollectConversion[];
};
