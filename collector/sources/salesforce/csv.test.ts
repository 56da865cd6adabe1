import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv';

describe('parseCsv', () => {
  it('reads quoted cells, doubled quotes, commas and line breaks inside quotes, CRLF', () => {
    const text = '"Id","Name","Account.Name"\r\n"1","O""Brien, Jr.","Acme\nWest"\r\n"2","",""\r\n';
    expect(parseCsv(text)).toEqual([
      { Id: '1', Name: 'O"Brien, Jr.', 'Account.Name': 'Acme\nWest' },
      { Id: '2', Name: '', 'Account.Name': '' },
    ]);
  });
  it('a header alone is no rows; no trailing newline is fine', () => {
    expect(parseCsv('"Id"\n')).toEqual([]);
    expect(parseCsv('Id,Email\n1,a@b.co')).toEqual([{ Id: '1', Email: 'a@b.co' }]);
  });
});
