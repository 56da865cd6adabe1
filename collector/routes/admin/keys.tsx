import { Hono, type Context } from 'hono';
import { logChange } from '../../admin/change-log';
import { readOrigins } from '../../admin/origins-form';
import { createKey, listKeys, revokeKey, rotateKey } from '../../admin/key-actions';
import { CsrfField } from '../../admin/components/csrf-field';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import { Time } from '../../admin/components/time';
import type { AdminContext } from '../../admin/context';
import { ApiError } from '../../http-error';
import type { ApiKeyRecord } from '../../objects/config-keys';
import { parseOrigins } from '../../security/origins';
import { viewOf } from './view';
import { DataTable } from '../../admin/components/data-table';

export const keysPages = new Hono<AdminContext>();

const DONE: Record<string, string> = {
  revoked: 'The key was revoked: requests with it are refused from now on.',
};

function KeyForms(props: {
  base: string;
  csrf: string;
  error?: { form: 'secret' | 'publishable'; message: string };
  origins?: string;
}) {
  const err = props.error;
  return (
    <>
      <h2>New secret key</h2>
      <form method="post" action={`${props.base}/keys/secret`}>
        <CsrfField token={props.csrf} />
        <label for="secret-name">
          Name
          <span class="hint">What the key is for, e.g. "HubSpot sync".</span>
        </label>
        <input id="secret-name" name="name" type="text" maxlength={100} />
        <label for="secret-scope">Scope</label>
        <select id="secret-scope" name="scope" aria-describedby="secret-scope-hint">
          <option value="ingest">ingest: POST /v1/people and server-side Segment</option>
          <option value="admin">admin: everything, including signing in here</option>
        </select>
        <span class="hint" id="secret-scope-hint">
          Give each system the narrowest scope it needs.
        </span>
        {err?.form === 'secret' && <Notice kind="error">{err.message}</Notice>}
        <div class="actions">
          <button type="submit">Create secret key</button>
        </div>
      </form>
      <h2>New publishable key</h2>
      <form method="post" action={`${props.base}/keys/publishable`}>
        <CsrfField token={props.csrf} />
        <label for="pk-name">Name</label>
        <input id="pk-name" name="name" type="text" maxlength={100} />
        <label for="pk-origins">
          Allowed origins
          <span class="hint" id="pk-origins-hint">
            One per line (or comma-separated): https://www.example.com, https://*.example.com, http://localhost:*. The
            tag may send events with this key only from these origins.
          </span>
        </label>
        <textarea
          id="pk-origins"
          name="origins"
          rows={4}
          required
          aria-describedby="pk-origins-hint"
          aria-invalid={err?.form === 'publishable' ? 'true' : undefined}
        >
          {props.origins ?? ''}
        </textarea>
        {err?.form === 'publishable' && <Notice kind="error">{err.message}</Notice>}
        <div class="actions">
          <button type="submit">Create publishable key</button>
        </div>
      </form>
    </>
  );
}

function keyLabel(k: ApiKeyRecord) {
  return `${k.name ? `${k.name} ` : ''}(${k.hint})`;
}

function scopeOf(k: ApiKeyRecord) {
  return k.type === 'secret' ? `secret, ${k.scope} scope` : 'publishable';
}

async function keysPage(
  c: Context<AdminContext>,
  extra?: { error?: { form: 'secret' | 'publishable'; message: string }; origins?: string },
) {
  const keys = await listKeys(c.env);
  const active = keys.filter((k) => k.revokedAt === null);
  const revoked = keys.filter((k) => k.revokedAt !== null);
  const done = DONE[c.req.query('done') ?? ''];
  return c.html(
    <Layout title="API keys" view={viewOf(c, '/keys')}>
      {done && <Notice kind="ok">{done}</Notice>}
      <p>
        Secret keys stay on servers; publishable keys go in web pages. Keys are shown once, when created: only a hint of
        each is kept.
      </p>
      <h2>From the environment</h2>
      <dl class="attrs">
        <dt>SECRET_KEY</dt>
        <dd>secret, admin scope (change it with wrangler secret put; that ends the admin sessions opened with it)</dd>
        {c.env.PUBLISHABLE_KEY && (
          <>
            <dt>PUBLISHABLE_KEY</dt>
            <dd>
              <code>{c.env.PUBLISHABLE_KEY}</code>, allowed origins:{' '}
              {parseOrigins(c.env.ALLOWED_ORIGINS).join(', ') || 'none'}
            </dd>
          </>
        )}
      </dl>
      <h2>Created here</h2>
      {active.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : (
        <DataTable head={['Name', 'Key', 'Kind', 'Allowed origins', 'Created', 'Actions']}>
          {active.map((k) => (
            <tr>
              <td>{k.name || <span class="muted">unnamed</span>}</td>
              <td>
                <code>{k.hint}</code>
              </td>
              <td>{scopeOf(k)}</td>
              <td>{k.type === 'publishable' ? k.origins.join(', ') : '—'}</td>
              <td>
                <Time ms={k.createdAt} />
              </td>
              <td>
                <div class="actions">
                  <a href={`${c.var.base}/keys/${encodeURIComponent(k.id)}/rotate`}>Rotate…</a>
                  <a href={`${c.var.base}/keys/${encodeURIComponent(k.id)}/revoke`}>Revoke…</a>
                </div>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {revoked.length > 0 && (
        <details>
          <summary>Revoked keys ({revoked.length})</summary>
          <ul>
            {revoked.map((k) => (
              <li>
                <code>{k.hint}</code> {k.name} ({scopeOf(k)}), revoked <Time ms={k.revokedAt} />
              </li>
            ))}
          </ul>
        </details>
      )}
      <KeyForms base={c.var.base} csrf={c.var.csrf} error={extra?.error} origins={extra?.origins} />
    </Layout>,
    extra?.error ? 400 : 200,
  );
}

function NewKey(props: { keyValue: string; record: ApiKeyRecord; base: string; replaced?: boolean }) {
  return (
    <>
      <Notice kind="ok">
        {props.replaced ? 'The key was rotated: the old one no longer works. ' : ''}Copy the new key now: it is not
        shown again.
      </Notice>
      <label for="new-key">
        {props.record.name || 'New key'} ({scopeOf(props.record)})
      </label>
      <input id="new-key" type="text" readonly value={props.keyValue} spellcheck={false} autocomplete="off" />
      <div class="actions">
        <button type="button" class="secondary" data-copy="new-key">
          Copy key
        </button>
        <a href={`${props.base}/keys`}>Done</a>
      </div>
    </>
  );
}

keysPages.get('/', (c) => keysPage(c));

function nameOf(form: Record<string, unknown>): string | undefined {
  const name = typeof form.name === 'string' ? form.name.trim().slice(0, 100) : '';
  return name || undefined;
}

keysPages.post('/secret', async (c) => {
  const form = await c.req.parseBody();
  const scope = form.scope === 'admin' ? 'admin' : form.scope === 'ingest' ? 'ingest' : null;
  if (!scope) return keysPage(c, { error: { form: 'secret', message: 'Choose the ingest or the admin scope.' } });
  const { key, record } = await createKey(c.env, { type: 'secret', scope, name: nameOf(form) }, c.var.now);
  await logChange(c, 'key.created', keyLabel(record), `secret, ${scope} scope`);
  return c.html(
    <Layout title="New secret key" view={viewOf(c, '/keys')}>
      <NewKey keyValue={key} record={record} base={c.var.base} />
    </Layout>,
    201,
  );
});

keysPages.post('/publishable', async (c) => {
  const form = await c.req.parseBody();
  const text = typeof form.origins === 'string' ? form.origins : '';
  const { origins, error } = readOrigins(text);
  if (error || origins.length === 0)
    return keysPage(c, {
      error: { form: 'publishable', message: error ?? 'Give between 1 and 50 origins.' },
      origins: text,
    });
  const { key, record } = await createKey(c.env, { type: 'publishable', origins, name: nameOf(form) }, c.var.now);
  await logChange(c, 'key.created', keyLabel(record), `publishable, origins ${origins.join(', ')}`);
  return c.html(
    <Layout title="New publishable key" view={viewOf(c, '/keys')}>
      <NewKey keyValue={key} record={record} base={c.var.base} />
    </Layout>,
    201,
  );
});

async function activeKey(c: Context<AdminContext>): Promise<ApiKeyRecord> {
  const key = (await listKeys(c.env)).find((k) => k.id === c.req.param('id') && k.revokedAt === null);
  if (!key) throw new ApiError(404, 'not_found', 'There is no such active key. It may have been revoked already.');
  return key;
}

function Confirm(props: { base: string; csrf: string; k: ApiKeyRecord; action: 'rotate' | 'revoke'; own: boolean }) {
  const rotate = props.action === 'rotate';
  return (
    <>
      <p>
        <code>{props.k.hint}</code> {props.k.name} ({scopeOf(props.k)}).{' '}
        {rotate
          ? 'Rotating creates a replacement with the same scope, origins and name, and stops this key at once: update everything that uses it.'
          : 'Revoking stops this key at once: every request with it is refused.'}
      </p>
      {props.own && <Notice kind="info">You signed in with this key: you will be signed out.</Notice>}
      <form method="post" action={`${props.base}/keys/${encodeURIComponent(props.k.id)}/${props.action}`}>
        <CsrfField token={props.csrf} />
        <div class="actions">
          <button type="submit" class="danger">
            {rotate ? 'Rotate key' : 'Revoke key'}
          </button>
          <a href={`${props.base}/keys`}>Cancel</a>
        </div>
      </form>
    </>
  );
}

for (const action of ['rotate', 'revoke'] as const) {
  keysPages.get(`/:id/${action}`, async (c) => {
    const k = await activeKey(c);
    return c.html(
      <Layout title={action === 'rotate' ? 'Rotate key?' : 'Revoke key?'} view={viewOf(c, '/keys')}>
        <Confirm base={c.var.base} csrf={c.var.csrf} k={k} action={action} own={c.var.session?.keyTag === k.id} />
      </Layout>,
    );
  });
}

keysPages.post('/:id/revoke', async (c) => {
  const k = await activeKey(c);
  await revokeKey(c.env, k.id, c.var.now);
  await logChange(c, 'key.revoked', keyLabel(k));
  return c.redirect(`${c.var.base}/keys?done=revoked`, 303);
});

keysPages.post('/:id/rotate', async (c) => {
  const k = await activeKey(c);
  const out = await rotateKey(c.env, k.id, c.var.now);
  if (!out) throw new ApiError(404, 'not_found', 'There is no such active key. It may have been revoked already.');
  await logChange(c, 'key.rotated', keyLabel(k), `replaced by ${out.record.hint}`);
  return c.html(
    <Layout title="Key rotated" view={viewOf(c, '/keys')}>
      <NewKey keyValue={out.key} record={out.record} base={c.var.base} replaced />
    </Layout>,
    201,
  );
});
