// `npm run smoke -- <collector URL> [--origin https://site] [--key sk_...]`: checks a deployed (or
// local) collector end to end and says what is wrong and how to fix it. Exit 0 only when all hold.
// The key may come from OC_SECRET_KEY instead of argv. A throwaway person is identified, read back
// and erased; a People API job is run through the queue; each destination sends its test event.
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    origin: { type: 'string' },
    key: { type: 'string' },
    'job-timeout': { type: 'string', default: '60' },
    'cron-minutes': { type: 'string', default: '15' },
  },
});
const url = (positionals[0] ?? '').replace(/\/+$/, '');
if (!/^https?:\/\/[^/]+/.test(url)) {
  console.error('usage: npm run smoke -- <collector URL> [--origin https://your-site] [--key sk_...]');
  process.exit(2);
}
const origin = opts.origin?.replace(/\/+$/, '');
const key = opts.key ?? process.env.OC_SECRET_KEY;
const results = [];

async function http(path, init = {}) {
  const res = await fetch(url + path, {
    redirect: 'manual',
    signal: AbortSignal.timeout(15_000),
    ...init,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...init.headers },
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, json };
}
const errorOf = (r) => r.json?.error?.message ?? `HTTP ${r.status}`;

/** Runs one check: it returns a detail line, or throws {message, fix}. */
async function check(name, fn) {
  try {
    const detail = await fn();
    results.push({ name, ok: true, detail });
    console.log(`ok    ${name}${detail ? `: ${detail}` : ''}`);
  } catch (e) {
    const fix = e.fix ?? '';
    results.push({ name, ok: false });
    console.log(`FAIL  ${name}: ${e.message}${fix ? `\n      fix: ${fix}` : ''}`);
  }
}
const problem = (message, fix) => Object.assign(new Error(message), { fix });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await check('health', async () => {
  const r = await http('/healthz').catch((e) => {
    throw problem(
      `${url}/healthz is unreachable (${e.cause?.code ?? e.message})`,
      'check the URL, the route (npm run setup -- --hostname ...) and that the Worker is deployed',
    );
  });
  if (r.status !== 200 || r.json?.ok !== true)
    throw problem(
      `${url}/healthz answered ${r.status}`,
      'the URL does not reach the collector: check the route and BASE_PATH (the URL must include it, e.g. https://example.com/_cb)',
    );
  return `version ${r.json.version}`;
});

for (const file of ['tag.js', 'tag-send.js']) {
  await check(`${file} served`, async () => {
    const r = await http(`/v1/${file}`);
    const type = r.headers.get('content-type') ?? '';
    const cache = r.headers.get('cache-control') ?? '';
    if (r.status !== 200 || !/javascript/.test(type))
      throw problem(
        `/v1/${file} answered ${r.status} ${type}`,
        'deploy again with npm run setup (it builds the tag first)',
      );
    if (!/max-age=\d+/.test(cache) || !/public/.test(cache))
      throw problem(
        `/v1/${file} has cache-control "${cache}"`,
        'a proxy or Page Rule in front of the collector rewrites its caching; exempt the collector route from it',
      );
    return cache;
  });
}

await check('origin allowed (CORS)', async () => {
  if (!origin)
    throw problem('no --origin given', 'pass --origin https://your-site to check that your pages may send events');
  const r = await http('/v1/collect', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST' },
  });
  if (r.headers.get('access-control-allow-origin') !== origin)
    throw problem(
      `the origin ${origin} is not in ALLOWED_ORIGINS`,
      `run npm run setup -- --origins <all your origins, including ${origin}>, or add it on the admin's Install page`,
    );
  return origin;
});

if (!key) {
  results.push({ name: 'secret key', ok: false });
  console.log(
    'FAIL  secret key: no --key given (or OC_SECRET_KEY)\n      fix: pass --key with SECRET_KEY from .deploy/<name>.env to check the API, the queue, the cron and the destinations',
  );
} else {
  let status = null;
  await check('secret key accepted', async () => {
    const r = await http('/api/status');
    if (r.status === 503) throw problem(errorOf(r), 'the secrets are not set: run npm run setup');
    if (r.status === 401 || r.status === 403)
      throw problem(
        `the key is refused (${r.status})`,
        'use SECRET_KEY from .deploy/<name>.env or an admin-scoped key from the admin Keys page',
      );
    if (r.status !== 200) throw problem(`/api/status answered ${r.status}`, 'deploy this version (npm run setup)');
    status = r.json;
    return `version ${status.version}`;
  });

  const email = `smoke-${randomBytes(6).toString('hex')}@example.com`;
  await check('identify through /v1/collect, read back, erased', async () => {
    if (!origin)
      throw problem(
        'no --origin given',
        'pass --origin https://your-site (an identify is only accepted from an allowed origin)',
      );
    const install = await http('/api/install');
    if (install.status !== 200) throw problem(`/api/install answered ${install.status}`, 'run npm run setup');
    const event = {
      type: 'identify',
      messageId: `smoke_${randomUUID()}`,
      anonymousId: randomUUID(),
      email,
      traits: {},
      touches: [],
    };
    const sent = await http('/v1/collect', {
      method: 'POST',
      headers: { origin, 'content-type': 'text/plain' },
      body: JSON.stringify({ key: install.json.publishableKey, events: [event] }),
    });
    if (sent.status >= 300)
      throw problem(
        `/v1/collect answered ${sent.status}: ${errorOf(sent)}`,
        sent.status === 403
          ? `add ${origin} to ALLOWED_ORIGINS (npm run setup -- --origins ...)`
          : 'see the error above',
      );
    let person = null;
    for (let i = 0; i < 20 && !person; i++) {
      const r = await http(`/api/people/${encodeURIComponent(email)}`);
      if (r.status === 200) person = r.json;
      else await sleep(500);
    }
    if (!person)
      throw problem(
        'the identified person could not be read back in 10 s',
        'look at the Worker logs (npx wrangler tail) for errors from PersonObject',
      );
    const erased = await http(`/api/people/${encodeURIComponent(email)}`, { method: 'DELETE' });
    if (erased.status >= 300)
      throw problem(
        `erasing the test person answered ${erased.status}: ${errorOf(erased)}`,
        'look at the Worker logs (npx wrangler tail)',
      );
    if ((await http(`/api/people/${encodeURIComponent(email)}`)).status !== 404)
      throw problem('the test person is still there after erasure', 'look at the Worker logs (npx wrangler tail)');
    return 'stored, read back and erased';
  });

  await check('People API job completes (queue consumer alive)', async () => {
    const other = `smoke-job-${randomBytes(6).toString('hex')}@example.com`;
    const r = await http('/v1/people', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ people: [{ email: other, source: 'smoke', attributes: { check: true } }] }),
    });
    if (r.status !== 202) throw problem(`/v1/people answered ${r.status}: ${errorOf(r)}`, 'see the error above');
    const deadline = Date.now() + Number(opts['job-timeout']) * 1000;
    let job = null;
    while (Date.now() < deadline) {
      job = (await http(`/api/jobs/${r.json.jobId}`)).json;
      if (job?.state === 'done') break;
      await sleep(1000);
    }
    await http(`/api/people/${encodeURIComponent(other)}`, { method: 'DELETE' });
    if (job?.state !== 'done')
      throw problem(
        `job ${r.json.jobId} did not complete in ${opts['job-timeout']} s (${job?.state ?? 'unknown'})`,
        'the queue consumer is not running: check that `npx wrangler queues list` shows open-conversions-jobs with a consumer (npm run setup creates the queues; a deploy binds the consumer)',
      );
    if (job.failed)
      throw problem(
        `job ${job.id} failed ${job.failed} row(s): ${job.failures?.[0]?.reason ?? ''}`,
        `see GET /api/jobs/${job.id} and the Worker logs; retry with POST /api/jobs/${job.id}/retry`,
      );
    return `job ${job.id} applied`;
  });

  await check('cron ran recently', async () => {
    if (!status) throw problem('the status could not be read', 'see the secret key check');
    const minutes = Number(opts['cron-minutes']);
    if (!status.lastScheduledAt)
      throw problem(
        'the cron trigger has never run',
        'check that the deploy kept [triggers] crons from wrangler.toml (npx wrangler triggers deploy); a new deployment runs it within 5 minutes',
      );
    const age = Math.round((Date.now() - status.lastScheduledAt) / 60_000);
    if (age > minutes)
      throw problem(
        `the cron trigger last ran ${age} minutes ago`,
        'check the Cron Triggers of the Worker in the Cloudflare dashboard (npx wrangler triggers deploy)',
      );
    return `${age} min ago`;
  });

  await check('destinations accept their credentials', async () => {
    const list = await http('/api/destinations');
    if (list.status !== 200) throw problem(`/api/destinations answered ${list.status}`, 'see the secret key check');
    const bad = [];
    for (const d of list.json.destinations) {
      const t = await http(`/api/destinations/${d.id}/test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const outcome = t.json?.outcome;
      if (t.status !== 200) bad.push(`${d.name} (${d.type}): ${errorOf(t)}`);
      else if (outcome?.status === 'error')
        bad.push(
          `${d.name} (${d.type}) refused the test event: ${outcome.failure?.error?.message ?? outcome.failure?.error?.code ?? 'error'}`,
        );
    }
    if (bad.length)
      throw problem(
        bad.join('; '),
        "enter the credentials again on the admin's Destinations page (they are sealed with ENCRYPTION_KEY: a rotated key needs them again)",
      );
    return list.json.destinations.length ? `${list.json.destinations.length} tested` : 'none configured';
  });

  await check('alert webhook reachable', async () => {
    const cfg = await http('/api/alerts');
    if (!cfg.json?.url) return 'none configured';
    const r = await http('/api/alerts/test', { method: 'POST' });
    if (!r.json?.ok)
      throw problem(
        `the webhook ${cfg.json.url} answered ${r.json?.status ?? 'nothing'}`,
        'fix the receiver or set another one with PUT /api/alerts',
      );
    return cfg.json.url;
  });
}

const failed = results.filter((r) => !r.ok).length;
console.log(failed ? `\n${failed} of ${results.length} checks failed.` : `\nAll ${results.length} checks passed.`);
process.exit(failed ? 1 : 0);
