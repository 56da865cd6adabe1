// The field catalogue for the admin's audience form: the form shows without it when it cannot be read.
import type { Env } from '../env';
import { logError } from '../log-error';
import { audienceFields, type FieldCatalogue } from '../services/audience-fields';

export async function catalogueFor(env: Env): Promise<FieldCatalogue | null> {
  try {
    return await audienceFields(env);
  } catch (e) {
    logError('admin.audience_fields', e);
    return null;
  }
}
