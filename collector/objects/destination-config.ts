// A destination's configuration row: its settings sealed at rest, the checks a new configuration
// must pass (settings valid for the type, mode allowed, custom endpoints allowed, credentials sent
// again when an endpoint changes), and the SQL that reads and writes the row. Apart from the
// DestinationObject because it is the one place that handles the sealed credentials; the object
// decides when to configure and what to wake.
import type { Env } from '../env';
import { decryptCredentials } from '../crypto/credentials';
import { destinations } from '../destinations/registry';
import {
  credentialsToReenter,
  settingsSchemas,
  type DestinationType,
  type Mode,
} from '../../shared/schemas/destinations';
import { customEndpointsIssue } from '../security/custom-endpoints';
import type { DestinationConfigInput, Result } from './destination-types';

export type ConfigRow = {
  destination_id: string;
  name: string;
  type: DestinationType;
  mode: Mode;
  sealed_settings: string;
  endpoint: string | null;
  token_endpoint: string | null;
  paused: number;
  consent_default_chosen: number;
};

type Refusal = Extract<Result<never>, { ok: false }>;

export function readConfig(sql: SqlStorage): ConfigRow | undefined {
  return sql
    .exec<ConfigRow>(
      'SELECT destination_id, name, type, mode, sealed_settings, endpoint, token_endpoint, paused, consent_default_chosen FROM config WHERE id = 1',
    )
    .toArray()[0];
}

/**
 * The stored settings. Before the 'unknown' consent default existed, every destination was saved
 * with defaultConsent 'granted' filled in by the schema's default (and preselected in the admin), so
 * a 'granted' saved then is read as that old default, 'unknown'; saving the destination again
 * records the operator's explicit choice.
 */
export async function storedSettings(key: CryptoKey, cfg: ConfigRow): Promise<Record<string, unknown>> {
  const settings = await decryptCredentials<Record<string, unknown>>(key, cfg.sealed_settings, cfg.destination_id);
  if (!cfg.consent_default_chosen && settings.defaultConsent === 'granted') settings.defaultConsent = 'unknown';
  return settings;
}

/** The settings parsed for the destination's type, or why the configuration is refused (custom endpoint, settings, mode). */
export function checkSettings(env: Env, input: DestinationConfigInput): Result<Record<string, unknown>> {
  const endpointIssue = customEndpointsIssue(env, input);
  if (endpointIssue) return { ok: false, code: 'custom_endpoint_not_allowed', message: endpointIssue };
  const parsed = settingsSchemas[input.type].safeParse(input.settings);
  if (!parsed.success)
    return {
      ok: false,
      code: 'invalid_settings',
      message: 'the settings are not valid for this destination type',
      issues: parsed.error.issues,
    };
  const settings = parsed.data as Record<string, unknown>;
  const modeIssue = destinations[input.type].modeIssue?.(settings, input.mode);
  if (modeIssue) return { ok: false, code: 'invalid_mode', message: modeIssue };
  return { ok: true, value: settings };
}

/** Why a new configuration may not replace the stored one: another destination's object, or credentials not sent again. */
export async function reentryIssue(
  key: CryptoKey,
  before: ConfigRow,
  input: DestinationConfigInput,
  enteredSettings: Record<string, unknown>,
): Promise<Refusal | null> {
  if (before.destination_id !== input.id || before.type !== input.type)
    return { ok: false, code: 'conflict', message: 'this object belongs to another destination' };
  const prev = await decryptCredentials<Record<string, unknown>>(key, before.sealed_settings, before.destination_id);
  const missing = credentialsToReenter(
    input.type,
    { endpoint: before.endpoint ?? undefined, tokenEndpoint: before.token_endpoint ?? undefined, settings: prev },
    input,
    enteredSettings,
  );
  if (!missing.length) return null;
  return {
    ok: false,
    code: 'credentials_required',
    message: `changing endpoint or tokenEndpoint requires the credentials again: ${missing.join(', ')}`,
    issues: missing.map((k) => ({ path: ['settings', k], message: 'enter it again' })),
  };
}

/** Write the configuration (an explicit consent default from now on); the name is kept when none is given. */
export function saveConfig(
  sql: SqlStorage,
  input: DestinationConfigInput,
  sealed: string,
  before: ConfigRow | undefined,
  now: number,
): void {
  sql.exec(
    `INSERT INTO config (id, destination_id, name, type, mode, sealed_settings, endpoint, token_endpoint, paused, updated_at, consent_default_chosen) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, mode = excluded.mode, sealed_settings = excluded.sealed_settings, endpoint = excluded.endpoint,
       token_endpoint = excluded.token_endpoint, paused = excluded.paused, updated_at = excluded.updated_at, consent_default_chosen = 1`,
    input.id,
    input.name ?? before?.name ?? '',
    input.type,
    input.mode,
    sealed,
    input.endpoint ?? null,
    input.tokenEndpoint ?? null,
    input.paused ? 1 : 0,
    now,
  );
}

/** Replace the sealed settings alone (a rotated refresh token). */
export function resealSettings(sql: SqlStorage, sealed: string, now: number): void {
  sql.exec('UPDATE config SET sealed_settings = ?, updated_at = ? WHERE id = 1', sealed, now);
}

export function deleteConfig(sql: SqlStorage): void {
  sql.exec('DELETE FROM config');
}
