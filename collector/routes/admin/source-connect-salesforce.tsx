// The admin's Salesforce connect forms: with the OAuth web-server flow (the admin signs in to
// Salesforce; the refresh token comes back through routes/source-oauth.ts), or with credentials
// entered by hand (a refresh token, or the client-credentials flow). Both go through
// /api/sources in process, so the settings are validated and sealed in one place.
import { Hono, type Context } from 'hono';
import type { Child } from 'hono/jsx';
import { logChange } from '../../admin/change-log';
import { CsrfField } from '../../admin/components/csrf-field';
import { Layout } from '../../admin/components/layout';
import { ErrorNotice, Notice } from '../../admin/components/notice';
import type { AdminContext } from '../../admin/context';
import { sourcesApi } from '../../admin/sources-api';
import { customEndpointsIssue, endpointPolicy } from '../../security/custom-endpoints';
import {
  SALESFORCE_DEFAULT_FIELDS,
  SALESFORCE_OBJECTS,
  salesforceSettingsSchema,
} from '../../../shared/schemas/sources';
import { OAUTH_TTL_MS, savePending } from '../source-oauth';
import { viewOf } from './view';

export const salesforceConnectPages = new Hono<AdminContext>();

/** What the connected app must allow: API access and a refresh token (offline access). */
export const SALESFORCE_SCOPES = 'api refresh_token';

function redirectUri(c: Context<AdminContext>): string {
  return `${new URL(c.req.url).origin}${c.var.base.replace(/\/admin$/, '')}/sources/salesforce/callback`;
}

function Common(props: { c: Context<AdminContext>; prefix: string }) {
  const { c, prefix: p } = props;
  return (
    <>
      <label for={`${p}-name`}>Name</label>
      <input id={`${p}-name`} name="name" required maxlength={100} value="Salesforce" />
      <label for={`${p}-instanceUrl`}>
        My Domain URL
        <span class="hint" id={`${p}-instance-hint`}>
          Setup → My Domain, e.g. https://acme.my.salesforce.com
        </span>
      </label>
      <input
        id={`${p}-instanceUrl`}
        name="instanceUrl"
        type="url"
        required
        placeholder="https://acme.my.salesforce.com"
        aria-describedby={`${p}-instance-hint`}
      />
      <label for={`${p}-clientId`}>Connected app consumer key</label>
      <input id={`${p}-clientId`} name="clientId" required autocomplete="off" />
      <label for={`${p}-clientSecret`}>Connected app consumer secret</label>
      <input id={`${p}-clientSecret`} name="clientSecret" type="password" required autocomplete="off" />
      <fieldset>
        <legend>Objects</legend>
        {SALESFORCE_OBJECTS.map((o) => (
          <label>
            <input type="checkbox" name="objects" value={o} checked />{' '}
            {o === 'Opportunity' ? 'Opportunity (through its contact roles)' : o}
          </label>
        ))}
      </fieldset>
      <label for={`${p}-backfill`}>
        First sync reaches back
        <span class="hint" id={`${p}-backfill-hint`}>
          Older changes are synced as attributes but never send conversions: an audience's required timestamp keeps them
          out.
        </span>
      </label>
      <select id={`${p}-backfill`} name="backfillDays" aria-describedby={`${p}-backfill-hint`}>
        <option value="7">7 days</option>
        <option value="30">30 days</option>
        <option value="90" selected>
          90 days
        </option>
        <option value="all">everything</option>
      </select>
      {endpointPolicy(c.env) !== 'off' && (
        <>
          <label for={`${p}-endpoint`}>API and login endpoint (optional, replaces the My Domain URL for calls)</label>
          <input id={`${p}-endpoint`} name="endpoint" autocomplete="off" />
        </>
      )}
    </>
  );
}

export function SalesforceConnectForm(props: { c: Context<AdminContext>; error?: string; issues?: string[] }) {
  const { c } = props;
  return (
    <>
      <p>
        Needs a connected app with the OAuth scopes <code>api</code> and <code>refresh_token</code>.{' '}
        <a href={`${c.var.base}/sources/salesforce/connect`}>Connect by signing in to Salesforce</a> (its callback URL
        must be <code>{redirectUri(c)}</code>), or enter its credentials here:
      </p>
      <form method="post" action={`${c.var.base}/sources/new/salesforce`}>
        <CsrfField token={c.var.csrf} />
        <ErrorNotice error={props.error} issues={props.issues} />
        <Common c={c} prefix="sf" />
        <label for="sf-refreshToken">
          Refresh token (optional)
          <span class="hint" id="sf-refresh-hint">
            Leave empty for the client-credentials flow (the connected app's Run As user). Stored encrypted, never shown
            again.
          </span>
        </label>
        <input
          id="sf-refreshToken"
          name="refreshToken"
          type="password"
          autocomplete="off"
          aria-describedby="sf-refresh-hint"
        />
        <div class="actions">
          <button type="submit">Connect Salesforce</button>
        </div>
      </form>
    </>
  );
}

type Form = Record<string, string | File | (string | File)[]>;
const text = (form: Form, k: string) => String((Array.isArray(form[k]) ? form[k][0] : form[k]) ?? '').trim();
const objectsOf = (form: Form) => [form.objects ?? []].flat().map(String);
const backfill = (form: Form) =>
  text(form, 'backfillDays') === 'all' ? null : Number(text(form, 'backfillDays')) || 90;

function page(c: Context<AdminContext>, title: string, body: Child, status: 200 | 400 = 200) {
  return c.html(
    <Layout title={title} view={viewOf(c, '/sources')}>
      {body}
    </Layout>,
    status,
  );
}

salesforceConnectPages.post('/new/salesforce', async (c) => {
  const form = (await c.req.parseBody({ all: true })) as Form;
  const endpoint = text(form, 'endpoint');
  const out = await sourcesApi.create(c.env, {
    type: 'salesforce',
    name: text(form, 'name'),
    backfillDays: backfill(form),
    settings: {
      instanceUrl: text(form, 'instanceUrl'),
      clientId: text(form, 'clientId'),
      clientSecret: text(form, 'clientSecret'),
      ...(text(form, 'refreshToken') ? { refreshToken: text(form, 'refreshToken') } : { flow: 'client_credentials' }),
      objects: objectsOf(form),
      ...(endpoint ? { endpoint, tokenEndpoint: endpoint } : {}),
    },
  });
  if (!out.ok)
    return page(
      c,
      'Sources',
      <>
        <h2>Connect Salesforce</h2>
        <SalesforceConnectForm c={c} error={out.message} issues={out.issues} />
      </>,
      400,
    );
  await logChange(c, 'source.created', `${out.value.name} (${out.value.id})`, 'salesforce');
  return c.redirect(`${c.var.base}/sources/${encodeURIComponent(out.value.id)}?done=created`, 303);
});

function OAuthForm(props: { c: Context<AdminContext>; error?: string }) {
  const { c } = props;
  return (
    <form method="post" action={`${c.var.base}/sources/salesforce/connect`}>
      <CsrfField token={c.var.csrf} />
      {props.error && <Notice kind="error">{props.error}</Notice>}
      <p>
        For a connected app of your org. Its callback URL must be <code>{redirectUri(c)}</code>; the scopes asked are{' '}
        <code>{SALESFORCE_SCOPES}</code>. You then sign in to Salesforce with a user that can read the synced objects.
      </p>
      <Common c={c} prefix="so" />
      <div class="actions">
        <button type="submit">Continue to Salesforce</button>
      </div>
    </form>
  );
}

salesforceConnectPages.get('/salesforce/connect', (c) => page(c, 'Connect Salesforce with OAuth', <OAuthForm c={c} />));

salesforceConnectPages.post('/salesforce/connect', async (c) => {
  const form = (await c.req.parseBody({ all: true })) as Form;
  const endpoint = text(form, 'endpoint') || undefined;
  const objects = objectsOf(form);
  // The settings the callback will save, checked now (with a placeholder flow) so a typo is shown here, not after Salesforce.
  const check = salesforceSettingsSchema.safeParse({
    instanceUrl: text(form, 'instanceUrl'),
    clientId: text(form, 'clientId'),
    clientSecret: text(form, 'clientSecret'),
    flow: 'client_credentials',
    objects,
    ...(endpoint ? { endpoint, tokenEndpoint: endpoint } : {}),
  });
  const issue = !text(form, 'name')
    ? 'A name is required.'
    : !check.success
      ? check.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
      : endpoint
        ? customEndpointsIssue(c.env, { endpoint })
        : null;
  if (issue || !check.success)
    return page(c, 'Connect Salesforce with OAuth', <OAuthForm c={c} error={issue ?? 'not valid'} />, 400);
  const state = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  const s = check.data;
  await savePending(
    c.env,
    state,
    {
      name: text(form, 'name'),
      instanceUrl: s.instanceUrl,
      clientId: s.clientId,
      clientSecret: s.clientSecret,
      objects,
      endpoint: s.endpoint,
      tokenEndpoint: s.tokenEndpoint,
      backfillDays: backfill(form),
      redirectUri: redirectUri(c),
      expiresAt: c.var.now + OAUTH_TTL_MS,
    },
    'salesforce',
  );
  await logChange(c, 'source.oauth_started', 'salesforce', text(form, 'name'));
  const url = new URL(`${s.tokenEndpoint ?? s.instanceUrl}/services/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: s.clientId,
    redirect_uri: redirectUri(c),
    scope: SALESFORCE_SCOPES,
    state,
  }).toString();
  return c.redirect(url.toString(), 303);
});

/** The synced fields of a Salesforce source as `Object.Field` names (the picker's values). */
export function salesforceChosen(settings: Record<string, unknown>): string[] {
  const objects = (settings.objects as string[] | undefined) ?? [...SALESFORCE_OBJECTS];
  const fields = (settings.fields ?? {}) as Record<string, string[] | undefined>;
  return objects.flatMap((o) =>
    (fields[o] ?? SALESFORCE_DEFAULT_FIELDS[o as keyof typeof SALESFORCE_DEFAULT_FIELDS] ?? []).map((f) => `${o}.${f}`),
  );
}

/** The picker's `Object.Field` values back into settings.fields (an object left with none keeps its defaults). */
export function salesforceFieldsSetting(chosen: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of chosen) {
    const [object, ...rest] = v.split('.');
    if (!object || !rest.length || !(SALESFORCE_OBJECTS as readonly string[]).includes(object)) continue;
    (out[object] ??= []).push(rest.join('.'));
  }
  return out;
}
