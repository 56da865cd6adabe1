import { describe, expect, it } from 'vitest';
import { parseCsv, setPath } from '../../collector/admin/csv';
import { call, person } from './helpers';
import { cookieHeader, get, ORIGIN, signIn } from './admin-helpers';

function upload(cookies: Record<string, string>, fields: Record<string, string>, csv: string | null) {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  if (csv !== null) body.append('file', new File([csv], 'people.csv', { type: 'text/csv' }));
  return call('/admin/people/upload', {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: ORIGIN, cookie: cookieHeader(cookies) },
    body,
  });
}

async function jobDone(cookies: Record<string, string>, path: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const html = await (await get(path, cookies)).text();
    if (html.includes('<strong>done</strong>')) return html;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('upload job did not finish');
}

describe('CSV parsing', () => {
  it('reads quotes, doubled quotes, CRLF, a BOM and blank lines', () => {
    expect(parseCsv('\ufeffemail,note\r\na@x.io,"hello, ""world"""\r\n\r\nb@x.io,"two\nlines"')).toEqual([
      ['email', 'note'],
      ['a@x.io', 'hello, "world"'],
      ['b@x.io', 'two\nlines'],
    ]);
    expect(() => parseCsv('email\n"open')).toThrow('line 2');
  });

  it('nests dotted names', () => {
    const o: Record<string, unknown> = {};
    setPath(o, 'lead.status', 'sql');
    setPath(o, 'lead.score', '42');
    expect(o).toEqual({ lead: { status: 'sql', score: '42' } });
  });
});

describe('admin people upload', { timeout: 30_000 }, () => {
  it('applies valid rows as an ingest job with progress and lists the refused ones', async () => {
    const { cookies, csrf } = await signIn();
    const tag = Math.random().toString(36).slice(2, 8);
    const csv = `Email,lead.status,lead.became_sql_at,owner\nup-${tag}-1@example.com,sql,2026-11-20,<b>Ann</b>\nnot-an-email,sql,,\nup-${tag}-2@example.com,mql,,\n`;
    const res = await upload(cookies, { _csrf: csrf, source: 'hubspot' }, csv);
    expect(res.status).toBe(202);
    const html = await res.text();
    expect(html).toContain('2 people were accepted');
    expect(html).toContain('Line 3:');
    const jobPath = /href="(\/admin\/people\/jobs\/job_[0-9a-f]{24})"/.exec(html)![1];
    const done = await jobDone(cookies, jobPath);
    expect(done).toContain('2 of 2 applied');
    const one = await person(`up-${tag}-1@example.com`);
    expect(one.attributes.hubspot).toEqual({
      lead: { status: 'sql', became_sql_at: '2026-11-20' },
      owner: '<b>Ann</b>',
    });
    const two = await person(`up-${tag}-2@example.com`);
    expect(two.attributes.hubspot).toEqual({ lead: { status: 'mql' } });
  });

  it('refuses, inline, a file without an email column, a reserved source, bad CSV and no CSRF token', async () => {
    const { cookies, csrf } = await signIn();
    const cases: [Record<string, string>, string | null, string][] = [
      [{ _csrf: csrf, source: 'crm' }, 'name\nAda\n', 'No column is named email.'],
      [
        { _csrf: csrf, source: 'traits' },
        'email\na@example.com\n',
        'traits and signed_traits are written by identifies only',
      ],
      [{ _csrf: csrf, source: 'crm' }, 'email,note\na@example.com,"open\n', 'never closes'],
      [{ _csrf: csrf, source: 'crm' }, 'email,__proto__.x\na@example.com,1\n', 'is not an attribute name'],
      [{ _csrf: csrf, source: 'crm' }, null, 'Choose a CSV file.'],
    ];
    for (const [fields, csv, message] of cases) {
      const res = await upload(cookies, fields, csv);
      expect(res.status, message).toBe(400);
      expect(await res.text()).toContain(message);
    }
    expect((await upload(cookies, { source: 'crm' }, 'email\na@example.com\n')).status).toBe(403);
  });
});
