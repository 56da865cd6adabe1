// /api/identity-mapping: the deployment's identity mapping (which person attributes hold the phone,
// names, address, ... sent beside the email), over the defaults; and its preview on a real person.
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../../env';
import { ApiError } from '../../http-error';
import { readJsonBody } from '../../middleware/body';
import { zodIssues } from '../../validation';
import { identityOf } from '../../identity';
import { invalidateAudienceConfig } from '../../audiences/config-cache';
import { DEFAULT_IDENTITY_MAPPING, effectiveMapping } from '../../audiences/identity-mapping';
import { previewIdentity } from '../../audiences/identity-preview';
import { IDENTIFIERS, identityMappingSchema, type IdentityMapping } from '../../../shared/schemas/identity-mapping';
import { configObject } from '../../objects/doors';

export const identityMapping = new Hono<AppContext>();

const putSchema = z.strictObject({ mapping: identityMappingSchema });
const previewSchema = z.strictObject({
  email: z.string().trim().min(3).max(254),
  mapping: identityMappingSchema.optional(),
});

function view(saved: IdentityMapping | null) {
  return {
    identifiers: IDENTIFIERS,
    mapping: saved ?? {},
    effective: effectiveMapping(saved),
    defaults: DEFAULT_IDENTITY_MAPPING,
  };
}

identityMapping.get('/', async (c) => c.json(view(await configObject(c.env).identityMapping())));

/** Replaces the saved mapping: identifiers left out follow the defaults, an empty list turns one off; {} resets. */
identityMapping.put('/', async (c) => {
  const parsed = putSchema.safeParse(await readJsonBody(c, 64 * 1024));
  if (!parsed.success)
    throw new ApiError(
      400,
      'invalid_identity_mapping',
      'body must be {mapping: {<identifier>: [attribute paths]}}',
      zodIssues(parsed.error),
    );
  const mapping = Object.fromEntries(
    Object.entries(parsed.data.mapping).filter(([, v]) => v !== undefined),
  ) as IdentityMapping;
  const config = configObject(c.env);
  await config.setIdentityMapping(Object.keys(mapping).length ? mapping : null);
  invalidateAudienceConfig();
  return c.json(view(await config.identityMapping()));
});

/** What the mapping (saved, or the one in the body) finds on a person, and what each destination would receive. */
identityMapping.post('/preview', async (c) => {
  const parsed = previewSchema.safeParse(await readJsonBody(c, 64 * 1024));
  if (!parsed.success)
    throw new ApiError(400, 'invalid_preview', 'body must be {email, mapping?}', zodIssues(parsed.error));
  const preview = await previewIdentity(c.env, identityOf(parsed.data.email), parsed.data.mapping, c.get('now'));
  if (!preview) throw new ApiError(404, 'not_found', 'no such person');
  return c.json(preview);
});
