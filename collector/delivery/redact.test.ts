import { describe, expect, it } from 'vitest';
import { REDACTED, redactRequest } from './redact';

describe('redactRequest', () => {
  it('removes credentials from the URL, headers and body, keeping the rest', () => {
    const out = redactRequest(
      {
        method: 'POST',
        url: 'https://graph.facebook.com/v26.0/1/events?access_token=EAA%2Bsecret',
        headers: { authorization: 'Bearer at_123', developertoken: 'dev-123', 'content-type': 'application/json' },
        body: { data: [{ event_id: 'e1' }], echo: 'EAA+secret' },
      },
      ['EAA+secret'],
    );
    expect(out.url).toBe(`https://graph.facebook.com/v26.0/1/events?access_token=${REDACTED}`);
    expect(out.headers).toEqual({
      authorization: REDACTED,
      developertoken: REDACTED,
      'content-type': 'application/json',
    });
    expect(out.body).toEqual({ data: [{ event_id: 'e1' }], echo: REDACTED });
  });
});
