import { describe, expect, it } from 'vitest';
import { anonId, collect, identifyEvent, person, PK, settle } from './helpers';
import { get, post, signIn } from './admin-helpers';

async function identified(emails: string[]) {
  for (const email of emails) await collect({ key: PK, events: [identifyEvent(email, { traits: { plan: 'pro' } })] });
  for (const email of emails) await settle(email);
}

function linkedEmails(html: string): string[] {
  return [...html.matchAll(/<td><a href="\/admin\/people\/([^"]+)">/g)].map((m) => decodeURIComponent(m[1]));
}

describe('admin people list and search', { timeout: 20_000 }, () => {
  it('searches by email prefix and pages through the results', async () => {
    const tag = anonId();
    const emails = Array.from({ length: 8 }, (_, i) => `list-${tag}-${String(i).padStart(2, '0')}@example.com`);
    await identified(emails);
    const { cookies } = await signIn();
    const first = await get(`/admin/people?query=${encodeURIComponent(`LIST-${tag}`)}&limit=5`, cookies);
    expect(first.status).toBe(200);
    const html = await first.text();
    expect(linkedEmails(html)).toEqual(emails.slice(0, 5));
    const next = /<a class="button secondary" href="([^"]+)" rel="next">/.exec(html)![1].replace(/&amp;/g, '&');
    const second = await (await get(next, cookies)).text();
    expect(linkedEmails(second)).toEqual(emails.slice(5));
    expect(second).not.toContain('rel="next"');
    expect(second).toContain('First page');
  });

  it('says when nobody matches', async () => {
    const { cookies } = await signIn();
    const html = await (await get('/admin/people?query=nobody-at-all-zzz', cookies)).text();
    expect(html).toContain('Nobody matches.');
  });
});

describe('admin erasure', { timeout: 20_000 }, () => {
  it('erases only after the email is typed, with the CSRF token, and leaves a liftable suppression', async () => {
    const email = `erase-${anonId()}@example.com`;
    await identified([email]);
    const { cookies, csrf } = await signIn();
    const path = `/admin/people/${encodeURIComponent(email)}`;
    const confirm = await get(`${path}/erase`, cookies);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('Type the email address to confirm');

    // No token: refused, nothing erased.
    expect((await post(`${path}/erase`, { confirm: email }, cookies)).status).toBe(403);
    // Wrong confirmation: inline error, nothing erased.
    const wrong = await post(`${path}/erase`, { _csrf: csrf, confirm: 'someone-else@example.com' }, cookies);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('does not match. Nothing was erased.');
    expect(await person(email)).not.toBeNull();

    const done = await post(`${path}/erase`, { _csrf: csrf, confirm: email.toUpperCase() }, cookies);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/admin/people?done=erased');
    expect(await person(email)).toBeNull();

    const gone = await get(path, cookies);
    expect(gone.status).toBe(404);
    const html = await gone.text();
    expect(html).toContain('was erased');
    expect(html).toContain('Lift the suppression');

    // While suppressed, an identify doesn't recreate the person.
    await collect({ key: PK, events: [identifyEvent(email)] });
    expect(await person(email)).toBeNull();

    const lifted = await post(`${path}/lift-suppression`, { _csrf: csrf }, cookies);
    expect(lifted.status).toBe(303);
    await collect({ key: PK, events: [identifyEvent(email)] });
    expect(await person(email)).not.toBeNull();
  });
});
