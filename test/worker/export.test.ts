// Backups and hand-offs: people, audiences and the conversions log exported as JSONL or CSV, streamed
// over every directory shard, from the API (secret key) and the admin (session).
import { describe, expect, it } from 'vitest';
import { csvCell } from '../../collector/routes/api/export';
import { get, signIn } from './admin-helpers';
import { anonId, api, call, settle, upsertPeople, waitForJob } from './helpers';
import { parseCsv } from '../../collector/admin/csv';

describe('GET /api/export', () => {
  it('exports every person once, as JSONL and as CSV, over every directory shard', async () => {
    const tag = anonId();
    const emails = Array.from({ length: 12 }, (_, i) => `export-${i}-${tag}@example.com`);
    const res = await upsertPeople({
      people: emails.map((email, i) => ({
        email,
        source: 'crm',
        attributes: { note: i === 0 ? '=HYPERLINK("x")' : `a, "b"\n${i}` },
      })),
    });
    await waitForJob(((await res.json()) as any).jobId);
    // The directory is fed from each person's alarm.
    for (const email of emails) await settle(email);

    const jsonl = await api('/api/export/people?format=jsonl');
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get('content-type')).toContain('application/x-ndjson');
    expect(jsonl.headers.get('content-disposition')).toMatch(/attachment; filename="people-\d{4}-\d{2}-\d{2}\.jsonl"/);
    const text = await jsonl.text();
    expect(text.endsWith('\n')).toBe(true);
    const rows = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const mine = rows.filter((r) => r.email.endsWith(`-${tag}@example.com`));
    expect(mine.map((r) => r.email).sort()).toEqual([...emails].sort());
    expect(mine.find((r) => r.email === emails[3])).toMatchObject({
      attributes: { crm: { note: 'a, "b"\n3' } },
      createdAt: expect.stringMatching(/Z$/),
    });
    // Every row once, across the shards.
    expect(new Set(rows.map((r) => r.email)).size).toBe(rows.length);

    const csv = await api('/api/export/people?format=csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const table = parseCsv(await csv.text());
    expect(table[0]).toEqual(['email', 'createdAt', 'updatedAt', 'attributes']);
    const byEmail = new Map(table.slice(1).map((r) => [r[0], r]));
    expect(JSON.parse(byEmail.get(emails[3]!)![3]!)).toEqual({ crm: { note: 'a, "b"\n3' } });
    expect(table.slice(1).filter((r) => r[0]!.endsWith(`-${tag}@example.com`))).toHaveLength(12);
  });

  it('exports audiences and the conversions log; refuses an unknown format and a missing key', async () => {
    const aud = await api('/api/export/audiences?format=jsonl');
    expect(aud.status).toBe(200);
    for (const line of (await aud.text()).split('\n').filter(Boolean))
      expect(JSON.parse(line)).toHaveProperty('definition');
    const log = await api('/api/export/conversions?format=csv');
    expect(log.status).toBe(200);
    expect((await log.text()).split('\r\n')[0]).toBe(
      'id,createdAt,destinationId,destinationType,audienceId,conversionId,email,status,attempts,sentAt,skipReason,error,event,coverage',
    );
    expect((await api('/api/export/people?format=xlsx')).status).toBe(400);
    expect((await call('/api/export/people')).status).toBe(401);
  });

  it('is linked from the admin People page and served behind the admin session', async () => {
    const { cookies } = await signIn();
    const page = await (await get('/admin/people', cookies)).text();
    expect(page).toContain('/admin/export/people?format=csv');
    const res = await get('/admin/export/people?format=csv', cookies);
    expect(res.status).toBe(200);
    expect((await res.text()).startsWith('email,createdAt,updatedAt,attributes\r\n')).toBe(true);
    expect((await get('/admin/export/people?format=csv')).status).toBe(303);
  });
});

describe('csvCell', () => {
  it('quotes separators and quotes, and prefixes what a spreadsheet would run', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell(null)).toBe('');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
  });
});
