// Wire schema of an audience definition: POST /api/audiences parses with audienceSchema; PATCH
// parses audiencePatchSchema, merges onto the stored audience, then parses audienceSchema again.
import { z } from 'zod';
import { listConditions, type Criteria } from '../criteria';
import { criteriaIssue, fieldIssue } from '../criteria-validation';

export const criteriaSchema = z.custom<Criteria>().superRefine((value, ctx) => {
  const found = criteriaIssue(value);
  if (found) ctx.addIssue({ code: 'custom', message: found.message, path: found.path });
});

export const fieldPathSchema = z.string().superRefine((value, ctx) => {
  const problem = fieldIssue(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const REENTRY = ['once', 'per_timestamp'] as const;

const shape = {
  name: z.string().trim().min(1).max(200),
  criteria: criteriaSchema,
  timestamp: z.object({
    field: fieldPathSchema,
    withinDays: z.number().int().min(1).max(90),
  }),
  reentry: z.enum(REENTRY),
  // Browser-sent traits are untrusted: anyone holding the publishable key can write them.
  allowTraits: z.boolean(),
  paused: z.boolean(),
};

/** Any subset of the fields, without defaults (a default would overwrite the stored value). */
export const audiencePatchSchema = z.object(shape).partial();

export const audienceSchema = z
  .object({
    ...shape,
    reentry: shape.reentry.default('once'),
    allowTraits: shape.allowTraits.default(false),
    paused: shape.paused.default(false),
  })
  .check((ctx) => {
    // Cross-field rule; only meaningful once every field is valid on its own.
    const audience = ctx.value;
    if (ctx.issues.length || audience.allowTraits) return;
    const untrusted = (field: string, path: (string | number)[]) =>
      ctx.issues.push({
        code: 'custom',
        path,
        input: field,
        message: `"${field}" is a browser-sent trait; set allowTraits: true to use it`,
      });
    if (isTraitsField(audience.timestamp.field)) untrusted(audience.timestamp.field, ['timestamp', 'field']);
    for (const { condition, path } of listConditions(audience.criteria)) {
      if (isTraitsField(condition.field)) untrusted(condition.field, ['criteria', ...path, 'field']);
    }
  });

export type AudienceInput = z.input<typeof audienceSchema>;
export type AudienceDefinition = z.output<typeof audienceSchema>;
export type AudiencePatch = z.output<typeof audiencePatchSchema>;

export function isTraitsField(field: string): boolean {
  return field === 'traits' || field.startsWith('traits.');
}
