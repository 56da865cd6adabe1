import { z } from 'zod';

// Segment's Spec messages as the HTTP Tracking API, analytics.js, analytics-node and the Webhooks
// destination send them, in camelCase or in the snake_case of Clearbit's partner integration. Only
// the fields the collector uses are checked; the rest passes through untouched.
export const SEGMENT_MAX_EVENT_BYTES = 32 * 1024;
export const SEGMENT_MAX_BATCH_BYTES = 500 * 1024;
export const SEGMENT_WEBHOOK_MAX_BYTES = 1024 * 1024;

export const SEGMENT_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

/** analytics.js's one-letter paths. */
export const SHORT_PATHS: Record<string, SegmentType | 'batch'> = {
  i: 'identify',
  t: 'track',
  p: 'page',
  s: 'screen',
  g: 'group',
  a: 'alias',
  b: 'batch',
};

const id = z.union([z.string().max(1024), z.number().finite()]).transform(String);
const text = z.string().max(4096);
const loose = z.record(z.string(), z.unknown());

const page = z.looseObject({
  url: text.optional(),
  search: text.optional(),
  referrer: text.optional(),
  path: text.optional(),
  title: text.optional(),
});

export const segmentContextSchema = z.looseObject({
  ip: z.string().max(64).optional(),
  userAgent: z.string().max(1024).optional(),
  page: page.optional(),
  campaign: loose.optional(),
  traits: loose.optional(),
});

export const segmentEventSchema = z.looseObject({
  type: z.enum(SEGMENT_TYPES),
  messageId: z.string().min(1).max(200).optional(),
  // analytics.js sends `"userId": null` until identify: null means absent.
  anonymousId: id.nullish().transform((v) => v ?? undefined),
  userId: id.nullish().transform((v) => v ?? undefined),
  timestamp: z.union([z.string().max(64), z.number()]).optional(),
  traits: loose.optional(),
  properties: loose.optional(),
  context: segmentContextSchema.optional(),
  event: z.string().max(1024).optional(),
});

export type SegmentEvent = z.infer<typeof segmentEventSchema>;

export const segmentBatchSchema = z.looseObject({
  batch: z.array(z.unknown()).min(1).max(10_000),
  context: loose.optional(),
  writeKey: z.string().max(200).optional(),
});

const SNAKE: Record<string, string> = {
  anonymous_id: 'anonymousId',
  user_id: 'userId',
  message_id: 'messageId',
  user_agent: 'userAgent',
  sent_at: 'sentAt',
  received_at: 'receivedAt',
  original_timestamp: 'originalTimestamp',
};

/** Renames the snake_case keys we read (top level and in `context`) to Segment's camelCase. */
export function camelizeSegment(event: unknown): unknown {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return event;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(event)) out[SNAKE[k] && !(SNAKE[k]! in event) ? SNAKE[k]! : k] = v;
  const ctx = out.context;
  if (typeof ctx === 'object' && ctx !== null && !Array.isArray(ctx)) {
    const c: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(ctx)) c[SNAKE[k] && !(SNAKE[k]! in ctx) ? SNAKE[k]! : k] = v;
    out.context = c;
  }
  return out;
}
