import { z } from 'zod';

// Wire format of POST /v1/collect: what the browser tag sends. Each event is validated on its own,
// so the envelope only checks the key and that `events` is a bounded list.
export const MAX_COLLECT_BYTES = 64 * 1024;
export const MAX_EVENTS_PER_BATCH = 50;
export const MAX_TOUCHES_PER_EVENT = 50;

const url = z.string().max(2048);
const ms = z.number().int().min(0).max(8.64e15);

export const touchSchema = z.strictObject({
  kind: z.string().regex(/^[A-Za-z_]{2,24}$/, 'unknown click-ID kind'),
  value: z.string().min(1).max(500),
  firstSeen: ms,
  lastSeen: ms.optional(),
  landingUrl: url.optional(),
  referrer: url.optional(),
});

const pageContext = z.strictObject({
  url: url.optional(),
  referrer: url.optional(),
  title: z.string().max(500).optional(),
});

const contextSchema = z.strictObject({
  page: pageContext.optional(),
  userAgent: z.string().max(1024).optional(),
  consent: z.strictObject({ ads: z.enum(['granted', 'denied', 'unknown']) }).optional(),
});

const common = {
  messageId: z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/),
  anonymousId: z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/),
  timestamp: ms.optional(),
  context: contextSchema.optional(),
  touches: z.array(touchSchema).max(MAX_TOUCHES_PER_EVENT).default([]),
};

// Traits are free-form but bounded: 100 keys, JSON-serializable values only.
export const traitsSchema = z
  .record(z.string().max(100), z.json())
  .refine((t) => Object.keys(t).length <= 100, 'at most 100 traits')
  .default({});

export const identifyEventSchema = z.strictObject({
  type: z.literal('identify'),
  ...common,
  email: z.string().trim().min(3).max(254).email('invalid email'),
  userId: z.string().max(200).optional(),
  traits: traitsSchema,
});

export const touchEventSchema = z.strictObject({
  type: z.literal('touch'),
  ...common,
});

export const collectEventSchema = z.discriminatedUnion('type', [identifyEventSchema, touchEventSchema]);

export const collectBodySchema = z.strictObject({
  key: z.string().min(1).max(200),
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH),
});

export type Touch = z.infer<typeof touchSchema>;
export type IdentifyEvent = z.infer<typeof identifyEventSchema>;
export type TouchEvent = z.infer<typeof touchEventSchema>;
export type CollectEvent = z.infer<typeof collectEventSchema>;
export type CollectBody = z.infer<typeof collectBodySchema>;
