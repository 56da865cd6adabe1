import { describe, expect, it } from 'vitest';
import { CredentialKeyError, decryptCredentials, encryptCredentials, importCredentialKey } from './credentials';

const KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i)));

describe('credential encryption', () => {
  it('round-trips, with a fresh IV each time and no clear text in the sealed value', async () => {
    const key = await importCredentialKey(KEY);
    const secret = { accessToken: 'EAA-super-secret-token' };
    const a = await encryptCredentials(key, secret, 'dest-1');
    const b = await encryptCredentials(key, secret, 'dest-1');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain('super-secret');
    expect(await decryptCredentials(key, a, 'dest-1')).toEqual(secret);
  });

  it('refuses another owner, a tampered value or another key', async () => {
    const key = await importCredentialKey(KEY);
    const sealed = await encryptCredentials(key, { x: 1 }, 'dest-1');
    await expect(decryptCredentials(key, sealed, 'dest-2')).rejects.toThrow(CredentialKeyError);
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.at(-1);
    await expect(decryptCredentials(key, flipped, 'dest-1')).rejects.toThrow(CredentialKeyError);
    const other = await importCredentialKey(btoa('x'.repeat(32)));
    await expect(decryptCredentials(other, sealed, 'dest-1')).rejects.toThrow(/wrong ENCRYPTION_KEY/);
  });

  it('needs a 32-byte base64 key', async () => {
    await expect(importCredentialKey(undefined)).rejects.toThrow(/not set/);
    await expect(importCredentialKey(btoa('short'))).rejects.toThrow(/32 bytes/);
    await expect(importCredentialKey('***')).rejects.toThrow(/base64/);
  });
});
