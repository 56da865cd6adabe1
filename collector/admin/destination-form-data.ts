import type { DestinationView } from '../objects/destination-types';
import { SECRET_SETTINGS, type DestinationType } from '../../shared/schemas/destinations';
import type { PlatformForm } from './destination-fields';

// The destination form as typed, and the JSON /api/destinations takes. Validation is the API's:
// this only maps fields to the contract's names and leaves empty ones out.

export interface DestinationFormValues {
  name: string;
  mode: string;
  settings: Record<string, string>;
  endpoint: string;
  tokenEndpoint: string;
}

const text = (form: Record<string, unknown>, key: string) =>
  typeof form[key] === 'string' ? (form[key] as string).trim() : '';

export function isSecret(type: DestinationType, name: string): boolean {
  return SECRET_SETTINGS[type].includes(name);
}

export function readDestinationForm(platform: PlatformForm, form: Record<string, unknown>): DestinationFormValues {
  const settings: Record<string, string> = {};
  for (const f of platform.fields) settings[f.name] = text(form, `settings.${f.name}`);
  settings.defaultConsent = text(form, 'settings.defaultConsent');
  return {
    name: text(form, 'name'),
    mode: text(form, 'mode'),
    settings,
    endpoint: text(form, 'endpoint'),
    tokenEndpoint: text(form, 'tokenEndpoint'),
  };
}

/** POST /api/destinations: every field typed (empty ones left out, so the API names what is missing). */
export function createBody(
  platform: PlatformForm,
  v: DestinationFormValues,
  customEndpoints: boolean,
): Record<string, unknown> {
  const settings = Object.fromEntries(Object.entries(v.settings).filter(([, value]) => value !== ''));
  return {
    type: platform.type,
    name: v.name,
    mode: v.mode || undefined,
    settings,
    ...(customEndpoints && v.endpoint ? { endpoint: v.endpoint } : {}),
    ...(customEndpoints && v.tokenEndpoint ? { tokenEndpoint: v.tokenEndpoint } : {}),
  };
}

/**
 * PATCH /api/destinations/{id}: a secret left empty keeps the stored one; other settings are sent
 * as typed. An emptied endpoint goes back to the platform's own.
 */
export function patchBody(
  current: DestinationView,
  v: DestinationFormValues,
  customEndpoints: boolean,
): Record<string, unknown> {
  const settings: Record<string, string> = {};
  for (const [k, value] of Object.entries(v.settings)) {
    if (value === '') continue;
    if (!isSecret(current.type, k) && current.settings[k] === value) continue;
    settings[k] = value;
  }
  const patch: Record<string, unknown> = { name: v.name, mode: v.mode || undefined };
  if (Object.keys(settings).length) patch.settings = settings;
  if (customEndpoints) {
    if (v.endpoint !== (current.endpoint ?? '')) patch.endpoint = v.endpoint || null;
    if (v.tokenEndpoint !== (current.tokenEndpoint ?? '')) patch.tokenEndpoint = v.tokenEndpoint || null;
  }
  return patch;
}

/** The form of a saved destination: settings as stored, secrets never (their inputs start empty). */
export function valuesOf(view: DestinationView): DestinationFormValues {
  const settings: Record<string, string> = {};
  for (const [k, value] of Object.entries(view.settings))
    if (!isSecret(view.type, k) && (typeof value === 'string' || typeof value === 'number'))
      settings[k] = String(value);
  return {
    name: view.name,
    mode: view.mode,
    settings,
    endpoint: view.endpoint ?? '',
    tokenEndpoint: view.tokenEndpoint ?? '',
  };
}

/** A re-shown form never carries secrets back to the browser: they are typed again. */
export function withoutSecrets(type: DestinationType, v: DestinationFormValues): DestinationFormValues {
  return { ...v, settings: Object.fromEntries(Object.entries(v.settings).filter(([k]) => !isSecret(type, k))) };
}
