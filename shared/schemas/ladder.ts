// Wire schema of a stage ladder: POST /api/ladders parses ladderCreateSchema (stages, or a template
// that makes them); PATCH parses ladderPatchSchema, merges, then checks the stages again.
import { z } from 'zod';
import { audienceSchema, fieldPathSchema } from './audience';
import { conversionSchema } from './conversion';

export const LADDER_TEMPLATES = ['hubspot', 'crm'] as const;
export const TEMPLATE_STAGES = ['lead', 'mql', 'sql', 'opportunity', 'won'] as const;
export const MAX_STAGES = 10;

const stageKey = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'a stage key is lowercase letters, digits and _ (e.g. "mql")');
const stageName = z.string().trim().min(1).max(100);
const audienceId = z.string().trim().min(1).max(100);
const currencyNeeded =
  'a value needs its currency (ISO 4217, e.g. "USD"): LinkedIn drops a value without one, and bidding on value compares amounts';

// A stage's conversion: the conversions API's own shape, plus: a value needs its currency.
const stageConversion = conversionSchema.superRefine((c, ctx) => {
  if ((c.value !== undefined || c.valueField !== undefined) && c.currency === undefined)
    ctx.addIssue({ code: 'custom', path: ['currency'], message: currencyNeeded });
});

const stageInput = z
  .strictObject({
    key: stageKey.optional(),
    name: stageName,
    // An audience that exists, or the definition of one the ladder creates.
    audienceId: audienceId.optional(),
    audience: audienceSchema.optional(),
    conversions: z.array(stageConversion).max(10).optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.audienceId === undefined) === (s.audience === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['audienceId'],
        message: 'give either audienceId (an existing audience) or audience (a definition to create)',
      });
  });

// One destination for every stage: each stage gets its own event name (Meta, Reddit, TikTok) or
// conversion action (Google, LinkedIn, Microsoft); the value settings apply to every stage unless a
// stage overrides them.
const sendInput = z
  .strictObject({
    destinationId: z.string().trim().min(1).max(100),
    value: z.number().finite().min(0).max(1e12).optional(),
    valueField: fieldPathSchema.optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code such as "USD"')
      .optional(),
    sendExisting: z.boolean().optional(),
    stages: z
      .record(
        stageKey,
        z.strictObject({
          eventName: z.string().trim().min(1).max(100).optional(),
          conversionAction: z.string().trim().min(1).max(200).optional(),
          value: z.number().finite().min(0).max(1e12).optional(),
          valueField: fieldPathSchema.optional(),
          // false: this stage sends nothing to this destination.
          send: z.boolean().optional(),
        }),
      )
      .optional(),
  })
  .superRefine((s, ctx) => {
    const valued =
      s.value !== undefined ||
      s.valueField !== undefined ||
      Object.values(s.stages ?? {}).some((x) => x.value !== undefined || x.valueField !== undefined);
    if (valued && s.currency === undefined)
      ctx.addIssue({ code: 'custom', path: ['currency'], message: currencyNeeded });
  });

/** POST /api/ladders/{id}/send: one more destination for every stage of a ladder. */
export const ladderSendSchema = sendInput;

export const templateInput = z.strictObject({
  source: z.enum(LADDER_TEMPLATES),
  withinDays: z.number().int().min(1).max(90).default(30),
  stages: z.array(z.enum(TEMPLATE_STAGES)).min(1).max(TEMPLATE_STAGES.length).optional(),
});

export const ladderCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    stages: z.array(stageInput).min(1).max(MAX_STAGES).optional(),
    template: templateInput.optional(),
    send: z.array(sendInput).max(10).optional(),
  })
  .superRefine((l, ctx) => {
    if ((l.stages === undefined) === (l.template === undefined))
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'give either stages or template' });
  });

/** A stored stage: an audience, in funnel order. */
export const storedStageSchema = z.strictObject({ key: stageKey, name: stageName, audienceId });

export const ladderPatchSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  // The whole new order: existing audiences only (create new ones with POST /api/audiences first).
  stages: z
    .array(z.strictObject({ key: stageKey.optional(), name: stageName, audienceId }))
    .min(1)
    .max(MAX_STAGES)
    .optional(),
});

export type LadderCreate = z.output<typeof ladderCreateSchema>;
export type LadderStageInput = z.output<typeof stageInput>;
export type LadderSend = z.output<typeof sendInput>;
export type LadderTemplate = z.output<typeof templateInput>;
export type StoredStage = z.output<typeof storedStageSchema>;
export type LadderPatch = z.output<typeof ladderPatchSchema>;
