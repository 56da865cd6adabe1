import type { Context } from 'hono';
import type { ApiKeyRecord } from '../objects/config-keys';
import type { ChangeLogEntry } from '../objects/config-admin';
import type { AdminContext } from './context';
import { configObject } from '../objects/doors';

// The change log of the admin: every admin mutation records who (the key the session was opened
// with, and which session), what and when. Never a secret, a key or an erased person's address.
// (Not the member audit of an audience, collector/audiences/audit.ts.)

/** Who is acting, as people read it: the key's name and hint, and a short session label. */
export async function actorOf(c: Context<AdminContext>): Promise<string> {
  const s = c.var.session;
  if (!s) return 'unknown';
  const session = `session ${s.nonce.slice(0, 6)}`;
  if (s.keyTag.startsWith('env-')) return `SECRET_KEY (environment) · ${session}`;
  const keys = (await configObject(c.env).listKeys()) as ApiKeyRecord[];
  const k = keys.find((r) => r.id === s.keyTag);
  return `${k?.name ? `${k.name} ` : ''}(${k?.hint ?? s.keyTag}) · ${session}`;
}

/** Records one change; called by every admin handler that changes state, after the change succeeded. */
export async function logChange(c: Context<AdminContext>, action: string, target: string, detail = ''): Promise<void> {
  await configObject(c.env).recordChange({ at: c.var.now, actor: await actorOf(c), action, target, detail });
}

export async function changeLogPage(
  c: Context<AdminContext>,
  before: number | null,
  limit: number,
): Promise<ChangeLogEntry[]> {
  return (await configObject(c.env).listChanges(before, limit)) as ChangeLogEntry[];
}
