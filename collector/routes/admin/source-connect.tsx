// The admin's half of HubSpot's OAuth connect flow: the form (the user's own public app), then a
// redirect to HubSpot's authorize page with a sealed, single-use state. The callback half is
// routes/source-oauth.ts (outside the session: the session cookie is SameSite=Strict).
import { Hono, type Context } from 'hono';
import { logChange } from '../../admin/change-log';
import { CsrfField } from '../../admin/components/csrf-field';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import type { AdminContext } from '../../admin/context';
import { customEndpointsIssue, endpointPolicy } from '../../security/custom-endpoints';
import { HUBSPOT_AUTHORIZE, HUBSPOT_SCOPES, OAUTH_TTL_MS, savePending } from '../source-oauth';
import { salesforceConnectPages } from './source-connect-salesforce';
import { viewOf } from './view';
import { randomHex } from '../../../shared/hex';

export const sourceConnectPages = new Hono<AdminContext>();
sourceConnectPages.route('/', salesforceConnectPages);

function OAuthForm(props: { c: Context<AdminContext>; error?: string }) {
  const { c } = props;
  return (
    <form method="post" action={`${c.var.base}/sources/hubspot/connect`}>
      <CsrfField token={c.var.csrf} />
      {props.error && <Notice kind="error">{props.error}</Notice>}
      <p>
        For a HubSpot public app of your own. Its redirect URL must be <code>{redirectUri(c)}</code>; the scopes asked
        are <code>{HUBSPOT_SCOPES}</code>.
      </p>
      <label for="o-name">Name</label>
      <input id="o-name" name="name" required maxlength={100} value="HubSpot" />
      <label for="clientId">App client ID</label>
      <input id="clientId" name="clientId" required autocomplete="off" />
      <label for="clientSecret">App client secret</label>
      <input id="clientSecret" name="clientSecret" type="password" required autocomplete="off" />
      <label for="o-backfill">First sync reaches back</label>
      <select id="o-backfill" name="backfillDays">
        <option value="30">30 days</option>
        <option value="90" selected>
          90 days
        </option>
        <option value="all">everything</option>
      </select>
      {endpointPolicy(c.env) !== 'off' && (
        <>
          <label for="o-endpoint">API endpoint (optional)</label>
          <input id="o-endpoint" name="endpoint" autocomplete="off" />
        </>
      )}
      <div class="actions">
        <button type="submit">Continue to HubSpot</button>
      </div>
    </form>
  );
}

function redirectUri(c: Context<AdminContext>): string {
  return `${new URL(c.req.url).origin}${c.var.base.replace(/\/admin$/, '')}/sources/hubspot/callback`;
}

sourceConnectPages.get('/hubspot/connect', (c) =>
  c.html(
    <Layout title="Connect HubSpot with OAuth" view={viewOf(c, '/sources')}>
      <OAuthForm c={c} />
    </Layout>,
  ),
);

sourceConnectPages.post('/hubspot/connect', async (c) => {
  const form = await c.req.parseBody();
  const str = (k: string) => String(form[k] ?? '').trim();
  const endpoint = str('endpoint') || undefined;
  const issue =
    !str('name') || !str('clientId') || str('clientSecret').length < 8
      ? 'Name, client ID and client secret (8 characters or more) are required.'
      : endpoint
        ? customEndpointsIssue(c.env, { endpoint })
        : null;
  if (issue)
    return c.html(
      <Layout title="Connect HubSpot with OAuth" view={viewOf(c, '/sources')}>
        <OAuthForm c={c} error={issue} />
      </Layout>,
      400,
    );
  const state = randomHex(16);
  const days = str('backfillDays');
  await savePending(c.env, state, {
    name: str('name'),
    clientId: str('clientId'),
    clientSecret: str('clientSecret'),
    endpoint,
    backfillDays: days === 'all' ? null : Number(days) || 90,
    redirectUri: redirectUri(c),
    expiresAt: c.var.now + OAUTH_TTL_MS,
  });
  await logChange(c, 'source.oauth_started', 'hubspot', str('name'));
  const url = new URL(HUBSPOT_AUTHORIZE);
  url.search = new URLSearchParams({
    client_id: str('clientId'),
    redirect_uri: redirectUri(c),
    scope: HUBSPOT_SCOPES,
    state,
  }).toString();
  return c.redirect(url.toString(), 303);
});
