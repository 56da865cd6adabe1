import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { adminConfigured, adminKeyStillValid, adminKeyTag } from '../../admin/admin-key';
import { Layout } from '../../admin/components/layout';
import { Notice } from '../../admin/components/notice';
import { PRE_SIGN_IN_COOKIE, SESSION_COOKIE, type AdminContext } from '../../admin/context';
import { assertSameOrigin } from '../../admin/csrf-guard';
import { clientIp, signInThrottle } from '../../admin/sign-in-limit';
import { issueSession, readSession, SESSION_TTL_MS } from '../../admin/session';
import { randomHex } from '../../../shared/hex';
import { hmacHex } from '../../identity';
import { secretEquals } from '../../security/constant-time';

export const signIn = new Hono<AdminContext>();

const PRE_TTL_S = 3600;

/** Only a path inside the admin is a place to return to after sign-in. */
export function safeNext(base: string, next: unknown): string {
  if (typeof next !== 'string' || next.length > 2048) return `${base}/`;
  if (!next.startsWith(`${base}/`) || next.startsWith('//') || /[\\\s]/.test(next)) return `${base}/`;
  if (next.startsWith(`${base}/sign-in`) || next.startsWith(`${base}/sign-out`)) return `${base}/`;
  return next;
}

// The sign-in form's own CSRF token: a random cookie, and in the form an HMAC of it that a page on
// another site can neither read nor forge (even one able to plant cookies on a sibling host).
function preToken(c: Context<AdminContext>, cookie: string): Promise<string> {
  return hmacHex(c.env.IDENTITY_SECRET!, `admin-pre-sign-in:v1|${cookie}`);
}

async function page(
  c: Context<AdminContext>,
  opts: { error?: string; info?: string; next: string; status?: 200 | 400 | 401 | 403 | 429 | 503 },
) {
  const view = { base: c.var.base, csrf: '', signedIn: false };
  if (!adminConfigured(c.env)) {
    return c.html(
      <Layout title="Sign in" view={view}>
        <Notice kind="error">{opts.error}</Notice>
      </Layout>,
      503,
    );
  }
  let cookie = getCookie(c, PRE_SIGN_IN_COOKIE);
  if (!cookie || !/^[0-9a-f]{32}$/.test(cookie)) {
    cookie = randomHex(16);
    setCookie(c, PRE_SIGN_IN_COOKIE, cookie, {
      path: c.var.base,
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      maxAge: PRE_TTL_S,
    });
  }
  const token = await preToken(c, cookie);
  return c.html(
    <Layout title="Sign in" view={view}>
      <div class="sign-in">
        {opts.error && <Notice kind="error">{opts.error}</Notice>}
        {opts.info && <Notice kind="info">{opts.info}</Notice>}
        <form method="post" action={`${c.var.base}/sign-in`}>
          <input type="hidden" name="_csrf" value={token} />
          <input type="hidden" name="next" value={opts.next} />
          <label for="key">
            Admin secret key
            <span class="hint">
              A secret key with the admin scope (it starts with sk_). It is checked, never stored in your browser.
            </span>
          </label>
          <input
            id="key"
            name="key"
            type="password"
            required
            autocomplete="current-password"
            spellcheck={false}
            autofocus
          />
          <div class="actions">
            <button type="submit">Sign in</button>
          </div>
        </form>
      </div>
    </Layout>,
    opts.status ?? 200,
  );
}

function notConfigured(c: Context<AdminContext>) {
  return page(c, {
    next: `${c.var.base}/`,
    status: 503,
    error: 'This deployment has no admin secret key configured. Set SECRET_KEY and IDENTITY_SECRET, then reload.',
  });
}

signIn.get('/sign-in', async (c) => {
  if (!adminConfigured(c.env)) return notConfigured(c);
  const next = safeNext(c.var.base, c.req.query('next'));
  const session = await readSession(c.env, getCookie(c, SESSION_COOKIE), c.var.now);
  if (session && (await adminKeyStillValid(c.env, session.keyTag))) return c.redirect(next, 303);
  const info = c.req.query('signed-out') !== undefined ? 'You are signed out.' : undefined;
  return page(c, { next, info });
});

signIn.post('/sign-in', async (c) => {
  if (!adminConfigured(c.env)) return notConfigured(c);
  assertSameOrigin(c.req.header('origin'), c.req.url);
  const form = await c.req.parseBody({ all: false });
  const next = safeNext(c.var.base, form.next);
  const cookie = getCookie(c, PRE_SIGN_IN_COOKIE);
  const given = typeof form._csrf === 'string' ? form._csrf : '';
  if (!cookie || !(await secretEquals(given, await preToken(c, cookie)))) {
    return page(c, { next, status: 403, error: 'The sign-in form expired. Enter your key again.' });
  }
  const throttle = await signInThrottle(c.env, clientIp(c.req.raw));
  const wait = await throttle.wait(c.var.now);
  if (wait > 0) {
    c.header('retry-after', String(Math.ceil(wait / 1000)));
    return page(c, {
      next,
      status: 429,
      error: `Too many failed sign-ins from your network. Try again in ${Math.ceil(wait / 60_000)} minute(s).`,
    });
  }
  const key = typeof form.key === 'string' ? form.key.trim() : '';
  const keyTag = key ? await adminKeyTag(c.env, key, c.var.now) : null;
  if (!keyTag) {
    await throttle.fail(c.var.now);
    return page(c, {
      next,
      status: 401,
      error: key ? 'That key is not an admin secret key for this deployment.' : 'Enter your admin secret key.',
    });
  }
  const { value } = await issueSession(c.env, keyTag, c.var.now);
  setCookie(c, SESSION_COOKIE, value, {
    path: c.var.base,
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
  deleteCookie(c, PRE_SIGN_IN_COOKIE, { path: c.var.base, secure: true });
  return c.redirect(next, 303);
});
