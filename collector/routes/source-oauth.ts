// The OAuth connect flows of HubSpot and Salesforce, the callback half: GET /sources/<type>/callback?code&state.
// It sits outside the admin session on purpose: the session cookie is SameSite=Strict, so the
// redirect back from HubSpot never carries it. The state (128 random bits, stored sealed by the
// signed-in admin who started the flow, single use, 10 minutes) is what authorizes it; the code is
// exchanged with the app's client secret, and the refresh token goes straight into a new source.
import { Hono } from 'hono';
import type { AppContext, Env } from '../env';
import { decryptCredentials, encryptCredentials, importCredentialKey } from '../crypto/credentials';
import { sourcesApi } from '../admin/sources-api';
import { HUBSPOT_API } from '../sources/hubspot/http';
import { normalizeBasePath } from '../snippet';
import { configObject } from '../objects/doors';

export const sourceOAuth = new Hono<AppContext>();

export const OAUTH_TTL_MS = 10 * 60_000;
export const HUBSPOT_AUTHORIZE = 'https://app.hubspot.com/oauth/authorize';
export const HUBSPOT_SCOPES = 'oauth crm.objects.contacts.read crm.schemas.contacts.read crm.objects.deals.read';

export interface PendingConnect {
  name: string;
  clientId: string;
  clientSecret: string;
  endpoint?: string;
  /** Salesforce: the My Domain the code is exchanged at (or tokenEndpoint), and what the source syncs. */
  instanceUrl?: string;
  tokenEndpoint?: string;
  objects?: string[];
  backfillDays: number | null;
  redirectUri: string;
  expiresAt: number;
}

type OAuthType = 'hubspot' | 'salesforce';
const settingOf = (type: OAuthType, state: string) => `${type}_oauth:${state}`;

export async function savePending(
  env: Env,
  state: string,
  p: PendingConnect,
  type: OAuthType = 'hubspot',
): Promise<void> {
  const sealed = await encryptCredentials(await importCredentialKey(env.ENCRYPTION_KEY), p, settingOf(type, state));
  await configObject(env).setSetting(settingOf(type, state), sealed);
}

async function takePending(env: Env, state: string, type: OAuthType = 'hubspot'): Promise<PendingConnect | null> {
  if (!/^[0-9a-f]{32}$/.test(state)) return null;
  const config = configObject(env);
  const sealed = await config.setting(settingOf(type, state));
  if (!sealed) return null;
  await config.setSetting(settingOf(type, state), null);
  return decryptCredentials<PendingConnect>(
    await importCredentialKey(env.ENCRYPTION_KEY),
    sealed,
    settingOf(type, state),
  );
}

const page = (title: string, body: string, status: 200 | 400) =>
  new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`,
    {
      status,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'",
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      },
    },
  );

sourceOAuth.get('/sources/hubspot/callback', async (c) => {
  const now = c.get('now');
  const pending = await takePending(c.env, c.req.query('state') ?? '');
  if (!pending || pending.expiresAt < now)
    return page('This connection link has expired', '<p>Start again from the admin’s Sources page.</p>', 400);
  const code = c.req.query('code');
  if (!code)
    return page(
      'HubSpot did not connect',
      '<p>HubSpot sent no authorization code (the request was declined?).</p>',
      400,
    );
  const res = await fetch(`${(pending.endpoint ?? HUBSPOT_API).replace(/\/+$/, '')}/oauth/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: pending.clientId,
      client_secret: pending.clientSecret,
      redirect_uri: pending.redirectUri,
      code,
    }),
  }).catch(() => null);
  const token = res?.ok ? ((await res.json()) as { refresh_token?: string }) : null;
  if (!token?.refresh_token)
    return page(
      'HubSpot did not connect',
      '<p>HubSpot refused the authorization code. Start again from the admin’s Sources page.</p>',
      400,
    );
  const out = await sourcesApi.create(c.env, {
    type: 'hubspot',
    name: pending.name,
    backfillDays: pending.backfillDays,
    settings: {
      clientId: pending.clientId,
      clientSecret: pending.clientSecret,
      refreshToken: token.refresh_token,
      ...(pending.endpoint ? { endpoint: pending.endpoint } : {}),
    },
  });
  if (!out.ok) return page('The source could not be saved', `<p>${out.message.replace(/[<>&"]/g, '')}</p>`, 400);
  const base = normalizeBasePath(c.env.BASE_PATH ?? '');
  return page(
    'HubSpot connected',
    `<p>The first sync has started. <a href="${base}/admin/sources/${out.value.id}">Open the source</a>.</p>`,
    200,
  );
});

/** Salesforce's web-server flow: the code exchanged at the org's token endpoint for a refresh token (scopes api and refresh_token). */
sourceOAuth.get('/sources/salesforce/callback', async (c) => {
  const now = c.get('now');
  const pending = await takePending(c.env, c.req.query('state') ?? '', 'salesforce');
  if (!pending || pending.expiresAt < now || !pending.instanceUrl)
    return page('This connection link has expired', '<p>Start again from the admin’s Sources page.</p>', 400);
  const code = c.req.query('code');
  if (!code)
    return page(
      'Salesforce did not connect',
      `<p>Salesforce sent no authorization code${c.req.query('error') === 'access_denied' ? ' (access was denied)' : ''}. Start again from the admin’s Sources page.</p>`,
      400,
    );
  const res = await fetch(`${pending.tokenEndpoint ?? pending.instanceUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: pending.clientId,
      client_secret: pending.clientSecret,
      redirect_uri: pending.redirectUri,
      code,
    }),
    redirect: 'manual',
  }).catch(() => null);
  const token = res
    ? ((await res.json().catch(() => null)) as {
        refresh_token?: string;
        error?: string;
        error_description?: string;
      } | null)
    : null;
  if (!res?.ok || !token?.refresh_token) {
    const why = token?.error
      ? ` (${`${token.error}: ${token.error_description ?? ''}`.replace(/[<>&"]/g, '').slice(0, 200)})`
      : '';
    const scopes = res?.ok ? ' It answered no refresh token: the connected app needs the refresh_token scope.' : '';
    return page(
      'Salesforce did not connect',
      `<p>Salesforce refused the authorization code${why}.${scopes} Start again from the admin’s Sources page.</p>`,
      400,
    );
  }
  const out = await sourcesApi.create(c.env, {
    type: 'salesforce',
    name: pending.name,
    backfillDays: pending.backfillDays,
    settings: {
      instanceUrl: pending.instanceUrl,
      clientId: pending.clientId,
      clientSecret: pending.clientSecret,
      refreshToken: token.refresh_token,
      ...(pending.objects?.length ? { objects: pending.objects } : {}),
      ...(pending.endpoint ? { endpoint: pending.endpoint } : {}),
      ...(pending.tokenEndpoint ? { tokenEndpoint: pending.tokenEndpoint } : {}),
    },
  });
  if (!out.ok) return page('The source could not be saved', `<p>${out.message.replace(/[<>&"]/g, '')}</p>`, 400);
  const base = normalizeBasePath(c.env.BASE_PATH ?? '');
  return page(
    'Salesforce connected',
    `<p>The first sync has started. <a href="${base}/admin/sources/${out.value.id}">Open the source</a>.</p>`,
    200,
  );
});
