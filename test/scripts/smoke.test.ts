// `npm run smoke` against a running local collector (wrangler dev, real queue and cron handler):
// passes when everything holds, and names the fix for an origin not allowed, a destination whose
// platform refuses its credentials, and a jobs queue without a consumer.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../support/collector';
import { scratchDir } from '../support/scratch';
import { startMetaFake } from '../fakes/meta';

const ROOT = join(import.meta.dirname, '../..');
const SITE = 'http://localhost:3000';
const SK = 'sk_dev_local';
const META = { pixelId: '7654321', accessToken: 'EAAsmoke-meta-token-01' };

function smoke(url: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/smoke.mjs', url, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}

async function api(c: RunningCollector, path: string, method = 'GET', body?: unknown) {
  const res = await fetch(c.url + path, {
    method,
    headers: { authorization: `Bearer ${SK}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => null)) as any };
}

/** The cron trigger, as Cloudflare would fire it (wrangler dev --test-scheduled). */
async function runCron(c: RunningCollector) {
  const res = await fetch(`${c.url}/cdn-cgi/handler/scheduled`);
  await res.text();
  expect(res.status).toBe(200);
}

describe('npm run smoke', () => {
  let collector: RunningCollector;
  let meta: Awaited<ReturnType<typeof startMetaFake>>;
  let hook: Server;
  let hookCalls = 0;

  beforeAll(async () => {
    meta = await startMetaFake(META);
    hook = createServer((req, res) => {
      hookCalls++;
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    collector = await startCollector({ args: ['--test-scheduled'] });
    const port = (hook.address() as { port: number }).port;
    expect(
      (
        await api(collector, '/api/alerts', 'PUT', {
          url: `http://127.0.0.1:${port}/hook`,
          secret: 'smoke-alert-secret-0123',
        })
      ).status,
    ).toBe(200);
    const created = await api(collector, '/api/destinations', 'POST', {
      type: 'meta',
      name: 'Meta',
      mode: 'test',
      endpoint: meta.url,
      settings: { ...META, testEventCode: 'TEST123' },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
  });
  afterAll(async () => {
    await collector?.stop();
    await meta?.stop();
    hook?.close();
  });

  it('passes on a healthy collector: health, tag, CORS, identify and erasure, a People API job, the cron, destinations, alerts', async () => {
    const before = await smoke(collector.url, '--origin', SITE, '--key', SK);
    // The cron has not run yet on a fresh collector: that alone fails, and says how to fix it.
    expect(before.code, before.out).toBe(1);
    expect(before.out).toContain('FAIL  cron ran recently: the cron trigger has never run');
    await runCron(collector);
    const r = await smoke(collector.url, '--origin', SITE, '--key', SK);
    expect(r.code, r.out).toBe(0);
    for (const name of [
      'health',
      'tag.js served',
      'tag-send.js served',
      'origin allowed (CORS)',
      'secret key accepted',
      'identify through /v1/collect, read back, erased',
      'People API job completes (queue consumer alive)',
      'cron ran recently',
      'destinations accept their credentials: 1 tested',
      'alert webhook reachable',
    ])
      expect(r.out).toContain(`ok    ${name}`);
    expect(r.out).toContain('All 10 checks passed.');
    expect(hookCalls).toBeGreaterThan(0);
    // The throwaway people are gone.
    const list = await api(collector, '/api/people?query=smoke-');
    expect(list.json.people).toEqual([]);
  });

  it('fails for an origin that is not allowed, naming the fix', async () => {
    const r = await smoke(collector.url, '--origin', 'https://shop.example', '--key', SK);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL  origin allowed (CORS): the origin https://shop.example is not in ALLOWED_ORIGINS');
    expect(r.out).toContain('fix: run npm run setup -- --origins');
  });

  it('fails for a destination whose platform refuses its credentials', async () => {
    const bad = await api(collector, '/api/destinations', 'POST', {
      type: 'meta',
      name: 'Refused',
      mode: 'test',
      endpoint: meta.url,
      settings: { pixelId: META.pixelId, accessToken: 'EAAwrong-smoke-token-00', testEventCode: 'TEST123' },
    });
    expect(bad.status).toBe(201);
    try {
      const r = await smoke(collector.url, '--origin', SITE, '--key', SK);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/FAIL {2}destinations accept their credentials: Refused \(meta\) refused the test event/);
      expect(r.out).not.toContain('Meta (meta) refused');
      expect(r.out).toContain("enter the credentials again on the admin's Destinations page");
    } finally {
      await api(collector, `/api/destinations/${bad.json.id}`, 'DELETE');
    }
  });

  it('fails when the jobs queue has no consumer, naming the fix', async () => {
    // The same Worker deployed from a config without [[queues.consumers]].
    const dir = scratchDir('oc-no-consumer-');
    const config = join(dir, 'wrangler.toml');
    let inConsumer = false;
    const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')
      .replace(/^main = ".*"$/m, `main = "${join(ROOT, 'collector/index.ts')}"`)
      .split('\n')
      .filter((line) => {
        if (line.startsWith('[')) inConsumer = line.startsWith('[[queues.consumers]]');
        return !inConsumer;
      })
      .join('\n');
    expect(toml).not.toMatch(/queues\.consumers|max_retries|dead_letter_queue/);
    expect(toml).toContain('[[queues.producers]]');
    writeFileSync(config, toml);
    const broken = await startCollector({ config, args: ['--test-scheduled'] });
    try {
      await runCron(broken);
      const r = await smoke(broken.url, '--origin', SITE, '--key', SK, '--job-timeout', '8');
      expect(r.code).toBe(1);
      expect(r.out).toContain('FAIL  People API job completes (queue consumer alive)');
      expect(r.out).toContain('the queue consumer is not running');
      expect(r.out).toContain('ok    identify through /v1/collect, read back, erased');
    } finally {
      await broken.stop();
    }
  });
});
