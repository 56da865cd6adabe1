// Wire schema of a conversion turned on for an audience: POST /api/audiences/{id}/conversions
// parses conversionSchema; PATCH parses conversionPatchSchema, merges, then parses conversionSchema.
import { z } from 'zod';
import { criteriaSchema, fieldPathSchema } from './audience';
import { conversionActionSchema } from './google-ads';
import { identityMappingSchema } from './identity-mapping';

// Meta's action_source values; other platforms ignore the field.
export const ACTION_SOURCES = [
  'system_generated',
  'website',
  'email',
  'app',
  'phone_call',
  'chat',
  'physical_store',
  'business_messaging',
  'other',
] as const;

const shape = {
  destinationId: z.string().trim().min(1).max(100),
  eventName: z.string().trim().min(1).max(100),
  // Google: the action ID or its resource name, stored as the ID; other platforms: as given.
  conversionAction: conversionActionSchema,
  actionSource: z.enum(ACTION_SOURCES),
  value: z.number().finite().min(0).max(1e12),
  // An attribute path whose number is the value (e.g. "crm.opportunity.amount"); wins over `value`.
  valueField: fieldPathSchema,
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code such as "USD"'),
  // On turn-on, also send existing entries still inside the window (ARCHITECTURE.md §4).
  sendExisting: z.boolean(),
  paused: z.boolean(),
  // Per identifier, the attribute paths this conversion reads instead of the deployment's mapping.
  identityMapping: identityMappingSchema,
  // Opt-in: when the person leaves the audience while these criteria hold (a deal closed-lost, a
  // lead disqualified, a refund), the conversion already sent is withdrawn where the platform can;
  // `timestamp` names the attribute holding when that happened (default: when the exit is seen).
  retractOn: z.strictObject({ criteria: criteriaSchema, timestamp: fieldPathSchema.optional() }),
};

// `retractOn: null` turns retractions off again.
export const conversionPatchSchema = z
  .strictObject({ ...shape, retractOn: shape.retractOn.nullable() })
  .partial()
  .omit({ destinationId: true, sendExisting: true });

export const conversionSchema = z.strictObject({
  ...shape,
  eventName: shape.eventName.optional(),
  conversionAction: shape.conversionAction.optional(),
  actionSource: shape.actionSource.optional(),
  value: shape.value.optional(),
  valueField: shape.valueField.optional(),
  currency: shape.currency.optional(),
  identityMapping: shape.identityMapping.optional(),
  sendExisting: shape.sendExisting.default(true),
  paused: shape.paused.default(false),
  retractOn: shape.retractOn.nullish().transform((v) => v ?? undefined),
});

export type ConversionInput = z.input<typeof conversionSchema>;
export type ConversionSettings = z.output<typeof conversionSchema>;
export type ConversionPatch = z.output<typeof conversionPatchSchema>;
