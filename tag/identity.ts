const KEY = '_cb_aid';

/** A random URL-safe id of 22 characters (132 bits). */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let s = '';
  for (const b of bytes) s += 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[b & 63];
  return s + Date.now().toString(36).slice(-6);
}

/** The browser's anonymous id, minted on first use and kept in first-party storage. */
export function anonymousId(storage: Storage = localStorage): string {
  let id = storage.getItem(KEY);
  if (!id) {
    id = randomId();
    storage.setItem(KEY, id);
  }
  return id;
}
