// `npm run setup` against a fake wrangler (test/scripts/fake-wrangler.mjs): the exact commands, no
// secret in argv, output or a tracked file, and a second run that keeps what the first one made.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const FAKE = join(import.meta.dirname, 'fake-wrangler.mjs');
const dir = mkdtempSync(join(tmpdir(), 'oc-setup-'));
const NAME = `oc-setup-test-${process.pid}`;
const SECRETS_FILE = join(ROOT, '.deploy', `${NAME}.env`);

type Call = { args: string[]; stdin: string };

function setup(args: string[], stateFile: string) {
  const r = spawnSync(process.execPath, ['scripts/setup.mjs', '--yes', '--name', NAME, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    // The tag is built before the suites run; rebuilding it here would reload collectors other suites run.
    env: { ...process.env, OC_WRANGLER: FAKE, FAKE_WRANGLER_STATE: stateFile, OC_SETUP_SKIP_BUILD: '1' },
  });
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  return { status: r.status, out: r.stdout + r.stderr, calls: state.calls as Call[], state };
}

const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout;

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(SECRETS_FILE, { force: true });
});

describe('npm run setup', () => {
  const site = [
    '--origins',
    'https://example.com,https://www.example.com',
    '--hostname',
    'example.com',
    '--base-path',
    '/_cb',
  ];

  it('--dry-run prints every command with secrets masked and changes nothing', () => {
    const stateFile = join(dir, 'dry.json');
    const r = setup([...site, '--segment', '--dry-run'], stateFile);
    expect(r.status, r.out).toBe(0);
    // Only the read-only lookups ran.
    expect(r.calls.map((c) => c.args.slice(0, 2).join(' '))).toEqual(['queues list', 'secret list']);
    expect(r.state.queues).toEqual([]);
    const lines = r.out.split('\n').filter((l) => l.startsWith('would run: '));
    expect(lines).toEqual([
      'would run: wrangler queues create open-conversions-jobs',
      'would run: wrangler queues create open-conversions-jobs-dlq',
      `would run: wrangler deploy --name ${NAME} --route example.com/_cb/* --var BASE_PATH:/_cb`,
      `would run: wrangler secret put SECRET_KEY --name ${NAME}  (stdin: ****)`,
      `would run: wrangler secret put PUBLISHABLE_KEY --name ${NAME}  (stdin: ****)`,
      `would run: wrangler secret put IDENTITY_SECRET --name ${NAME}  (stdin: ****)`,
      `would run: wrangler secret put ENCRYPTION_KEY --name ${NAME}  (stdin: ****)`,
      `would run: wrangler secret put SEGMENT_WEBHOOK_SECRET --name ${NAME}  (stdin: ****)`,
      `would run: wrangler secret put ALLOWED_ORIGINS --name ${NAME}  (stdin: https://example.com,https://www.example.com)`,
    ]);
    expect(r.out).toContain('Dry run: nothing was changed.');
    expect(() => statSync(SECRETS_FILE)).toThrow();
  });

  it('creates the queues, deploys on the route, puts strong secrets on stdin only, and a second run keeps them', () => {
    const stateFile = join(dir, 'real.json');
    const before = git('status', '--porcelain');
    const first = setup(site, stateFile);
    expect(first.status, first.out).toBe(0);
    expect(first.calls.map((c) => c.args.join(' '))).toEqual([
      'queues list',
      `secret list --format json --name ${NAME}`,
      'queues create open-conversions-jobs',
      'queues create open-conversions-jobs-dlq',
      `deploy --name ${NAME} --route example.com/_cb/* --var BASE_PATH:/_cb`,
      `secret put SECRET_KEY --name ${NAME}`,
      `secret put PUBLISHABLE_KEY --name ${NAME}`,
      `secret put IDENTITY_SECRET --name ${NAME}`,
      `secret put ENCRYPTION_KEY --name ${NAME}`,
      `secret put ALLOWED_ORIGINS --name ${NAME}`,
    ]);
    const secrets = first.state.workers[NAME].secrets as Record<string, string>;
    expect(secrets.SECRET_KEY).toMatch(/^sk_live_[A-Za-z0-9_-]{32}$/);
    expect(secrets.PUBLISHABLE_KEY).toMatch(/^pk_live_[A-Za-z0-9_-]{24}$/);
    expect(secrets.IDENTITY_SECRET).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secrets.ENCRYPTION_KEY!, 'base64')).toHaveLength(32);
    expect(secrets.ALLOWED_ORIGINS).toBe('https://example.com,https://www.example.com');

    // Never in argv, never printed (the publishable key is public: it is in the snippet), never in a tracked file.
    const hidden = [secrets.SECRET_KEY!, secrets.IDENTITY_SECRET!, secrets.ENCRYPTION_KEY!];
    for (const s of hidden) {
      expect(first.out).not.toContain(s);
      expect(first.calls.flatMap((c) => c.args).join(' ')).not.toContain(s);
      expect(spawnSync('git', ['grep', '-F', '-q', s], { cwd: ROOT }).status).toBe(1);
    }
    expect(git('status', '--porcelain')).toBe(before);
    // The operator's copy: git-ignored, readable by its owner only.
    expect(statSync(SECRETS_FILE).mode & 0o777).toBe(0o600);
    expect(readFileSync(SECRETS_FILE, 'utf8')).toContain(`SECRET_KEY=${secrets.SECRET_KEY}`);
    expect(spawnSync('git', ['check-ignore', '-q', SECRETS_FILE], { cwd: ROOT }).status).toBe(0);

    expect(first.out).toContain('Admin       https://example.com/_cb/admin');
    expect(first.out).toContain(`"${secrets.PUBLISHABLE_KEY}"`);
    expect(first.out).toContain('"https://example.com/_cb"');
    expect(first.out).toContain('npm run smoke -- https://example.com/_cb --origin https://example.com');

    // Second run: queues and secrets kept, only the origins (not secret) and the deploy again.
    const second = setup(site, stateFile);
    expect(second.status, second.out).toBe(0);
    expect(second.calls.slice(first.calls.length).map((c) => c.args.join(' '))).toEqual([
      'queues list',
      `secret list --format json --name ${NAME}`,
      `deploy --name ${NAME} --route example.com/_cb/* --var BASE_PATH:/_cb`,
      `secret put ALLOWED_ORIGINS --name ${NAME}`,
    ]);
    expect(second.state.workers[NAME].secrets).toEqual(secrets);
    expect(second.out).toContain('queue open-conversions-jobs: exists, kept');
    expect(second.out).toContain('secret IDENTITY_SECRET: exists, kept');

    // --rotate says what it breaks, then replaces only what it names.
    const third = setup([...site, '--rotate', 'ENCRYPTION_KEY'], stateFile);
    expect(third.status, third.out).toBe(0);
    expect(third.out).toContain('ENCRYPTION_KEY: Stored destination credentials');
    const after = third.state.workers[NAME].secrets;
    expect(after.ENCRYPTION_KEY).not.toBe(secrets.ENCRYPTION_KEY);
    expect(after.IDENTITY_SECRET).toBe(secrets.IDENTITY_SECRET);
    expect(third.out).not.toContain(after.ENCRYPTION_KEY);
  });

  it('asks for what no flag gave when run without --yes', () => {
    const stateFile = join(dir, 'interactive.json');
    const r = spawnSync(process.execPath, ['scripts/setup.mjs', '--dry-run', '--name', NAME], {
      cwd: ROOT,
      encoding: 'utf8',
      input: 'https://shop.example\nshop.example\n\ny\n',
      env: { ...process.env, OC_WRANGLER: FAKE, FAKE_WRANGLER_STATE: stateFile },
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Your site's origins");
    // The base path defaults to /_cb on the site's own host; the Segment question was answered yes.
    expect(r.stdout).toContain(
      `would run: wrangler deploy --name ${NAME} --route shop.example/_cb/* --var BASE_PATH:/_cb`,
    );
    expect(r.stdout).toContain(`would run: wrangler secret put SEGMENT_WEBHOOK_SECRET --name ${NAME}  (stdin: ****)`);
    expect(r.stdout).toContain('(stdin: https://shop.example)');
  });

  it('refuses what is not an origin or a hostname, before running anything', () => {
    const stateFile = join(dir, 'bad.json');
    for (const bad of [
      ['--origins', 'example.com'],
      ['--origins', 'https://example.com/path'],
      ['--origins', 'https://example.com', '--hostname', 'https://example.com'],
    ]) {
      const r = spawnSync(process.execPath, ['scripts/setup.mjs', '--yes', '--name', NAME, ...bad], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, OC_WRANGLER: FAKE, FAKE_WRANGLER_STATE: stateFile },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/is not (an origin|a hostname)/);
    }
    expect(() => statSync(stateFile)).toThrow();
  });
});
