import { Hono } from 'hono';
import type { AdminContext } from '../../admin/context';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import { collectorUrl, renderSnippet } from '../../snippet';
import { viewOf } from './view';

export const installPage = new Hono<AdminContext>();

installPage.get('/', (c) => {
  const key = c.env.PUBLISHABLE_KEY;
  const base = collectorUrl(c.req.url, c.env.BASE_PATH);
  if (!key) {
    return c.html(
      <Layout title="Install" view={viewOf(c, '/install')}>
        <Notice kind="error">This deployment has no publishable key configured. Set PUBLISHABLE_KEY, then reload.</Notice>
      </Layout>,
      503,
    );
  }
  const snippet = renderSnippet(key, base);
  return c.html(
    <Layout title="Install" view={viewOf(c, '/install')}>
      <p>
        Paste this snippet into the <code>&lt;head&gt;</code> of every page of your site. It loads the tag, which remembers the ad click IDs a visitor arrives with. Then call{' '}
        <code>clearbit.identify(email)</code> when the visitor tells you who they are.
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
          <span class="hint">Public by design: it can only send click IDs and identifies, from your allowed origins.</span>
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
    </Layout>,
  );
});
