import { Hono, type Context } from 'hono';
import { logChange } from '../../admin/change-log';
import type { AdminContext } from '../../admin/context';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import { SegmentSettings } from '../../admin/components/segment-settings';
import { gtmContainerFor, gtmTemplateFor } from '../../admin/gtm-container';
import { clearSegmentSecret, generateSegmentSecret, segmentSecretSource } from '../../admin/segment-secret';
import { OriginsEditor } from '../../admin/components/origins-editor';
import { allowedOrigins, readOrigins, saveAllowedOrigins } from '../../admin/origins-form';
import { ApiError } from '../../http-error';
import { parseOrigins } from '../../security/origins';
import { collectorUrl, renderSnippet } from '../../snippet';
import { viewOf } from './view';

export const installPage = new Hono<AdminContext>();

interface InstallExtra {
  newSecret?: string;
  origins?: { text: string; error: string };
}

async function installView(c: Context<AdminContext>, extra: InstallExtra = {}) {
  const newSecret = extra.newSecret;
  const key = c.env.PUBLISHABLE_KEY;
  const base = collectorUrl(c.req.url, c.env.BASE_PATH);
  if (!key) {
    return c.html(
      <Layout title="Install" view={viewOf(c, '/install')}>
        <Notice kind="error">
          This deployment has no publishable key configured. Set PUBLISHABLE_KEY, then reload.
        </Notice>
      </Layout>,
      503,
    );
  }
  const snippet = renderSnippet(key, base);
  const saved = await allowedOrigins(c.env);
  return c.html(
    <Layout title="Install" view={viewOf(c, '/install')}>
      <p>
        Paste this snippet into the <code>&lt;head&gt;</code> of every page of your site. It loads the tag, which
        remembers the ad click IDs a visitor arrives with. Then call <code>clearbit.identify(email)</code> when the
        visitor tells you who they are.
      </p>
      <label for="snippet">Snippet</label>
      <textarea id="snippet" class="code" rows={8} readonly spellcheck={false}>
        {snippet}
      </textarea>
      <div class="actions">
        <button type="button" class="secondary" data-copy="snippet">
          Copy snippet
        </button>
      </div>
      <h2>Details</h2>
      <dl class="attrs">
        <dt>Publishable key</dt>
        <dd>
          <code id="publishable-key">{key}</code>
          <span class="hint">
            Public by design: it can only send click IDs and identifies, from your allowed origins.
          </span>
        </dd>
        <dt>Tag URL</dt>
        <dd>
          <code>{`${base}/v1/tag.js`}</code>
        </dd>
        <dt>Collector URL</dt>
        <dd>
          <code>{base}</code>
        </dd>
      </dl>
      <OriginsEditor
        base={c.var.base}
        csrf={c.var.csrf}
        fromEnv={parseOrigins(c.env.ALLOWED_ORIGINS)}
        saved={saved}
        done={c.req.query('done') === 'origins'}
        error={extra.origins}
      />
      <h2>Google Tag Manager</h2>
      <p>
        Instead of the snippet, import a container holding the tag template, a Load tag on All Pages and an Identify tag
        on form submits. This download already carries this collector's URL and publishable key, with the template
        allowed to load only this collector's tag.
      </p>
      {!base.startsWith('https://') && (
        <Notice kind="info">
          GTM only loads tags over https: use these downloads from the admin of your deployed collector.
        </Notice>
      )}
      <div class="actions">
        <a
          class="button secondary"
          href={`${c.var.base}/install/gtm-container.json`}
          download="open-conversions-gtm-container.json"
        >
          Download GTM container
        </a>
        <a class="button secondary" href={`${c.var.base}/install/gtm-template.tpl`} download="open-conversions.tpl">
          Download the template only
        </a>
      </div>
      <p class="hint">
        In GTM: Admin → Import Container → choose the file, your workspace, Merge. The template alone goes under
        Templates → New → ⋮ → Import.
      </p>
      <SegmentSettings
        base={c.var.base}
        collector={base}
        csrf={c.var.csrf}
        source={await segmentSecretSource(c.env)}
        newSecret={newSecret}
      />
    </Layout>,
    extra.origins ? 400 : 200,
  );
}

installPage.get('/', (c) => installView(c));

installPage.post('/origins', async (c) => {
  const form = await c.req.parseBody();
  const text = typeof form.origins === 'string' ? form.origins : '';
  const { origins, error } = readOrigins(text);
  if (error) return installView(c, { origins: { text, error } });
  const before = await allowedOrigins(c.env);
  await saveAllowedOrigins(c.env, origins);
  const added = origins.filter((o) => !before.includes(o));
  const removed = before.filter((o) => !origins.includes(o));
  await logChange(
    c,
    'origins.changed',
    'allowed origins',
    [added.length ? `added ${added.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')}` : '']
      .filter(Boolean)
      .join('; ') || 'no change',
  );
  return c.redirect(`${c.var.base}/install?done=origins#origins`, 303);
});

installPage.post('/segment-secret', async (c) => {
  if (c.env.SEGMENT_WEBHOOK_SECRET)
    throw new ApiError(
      400,
      'set_in_environment',
      'The Segment secret is set in the environment (SEGMENT_WEBHOOK_SECRET); change it there.',
    );
  // The new value is on this response only (not in a URL, not cached).
  const secret = await generateSegmentSecret(c.env);
  await logChange(c, 'segment_secret.generated', 'Segment webhook shared secret');
  return installView(c, { newSecret: secret });
});

installPage.post('/segment-secret/clear', async (c) => {
  await clearSegmentSecret(c.env);
  await logChange(c, 'segment_secret.removed', 'Segment webhook shared secret');
  return c.redirect(`${c.var.base}/install#segment`, 303);
});

function requireKey(key: string | undefined): string {
  if (!key) throw new ApiError(404, 'not_configured', 'This deployment has no publishable key configured.');
  return key;
}

installPage.get('/gtm-container.json', (c) => {
  const container = gtmContainerFor(collectorUrl(c.req.url, c.env.BASE_PATH), requireKey(c.env.PUBLISHABLE_KEY));
  return c.body(JSON.stringify(container, null, 2), 200, {
    'content-type': 'application/json; charset=utf-8',
    'content-disposition': 'attachment; filename="open-conversions-gtm-container.json"',
  });
});

installPage.get('/gtm-template.tpl', (c) => {
  const template = gtmTemplateFor(collectorUrl(c.req.url, c.env.BASE_PATH), requireKey(c.env.PUBLISHABLE_KEY));
  return c.body(template, 200, {
    'content-type': 'text/plain; charset=utf-8',
    'content-disposition': 'attachment; filename="open-conversions.tpl"',
  });
});
