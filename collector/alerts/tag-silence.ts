import type { Env } from '../env';
import { readAlertConfig } from './config';
import { sendAlert } from './webhook';
import { configObject } from '../objects/doors';

const LAST_EVENT = 'tag_last_event_at';
const ALERTED = 'tag_silent_alerted_at';
// One write to the ConfigObject a minute per isolate at most: the ingest path never waits on it.
const NOTE_EVERY_MS = 60_000;
let notedAt = 0;

/** Records that the tag sent an event (called from /v1/collect after it accepted one). */
export async function noteTagEvent(env: Env, now: number): Promise<void> {
  if (now - notedAt < NOTE_EVERY_MS) return;
  notedAt = now;
  try {
    await configObject(env).setSetting(LAST_EVENT, String(now));
  } catch {
    notedAt = 0;
  }
}

/** Forgets the per-isolate throttle (tests). */
export function resetTagNote() {
  notedAt = 0;
}

/**
 * The cron check: when no tag event has arrived for `silentMinutes` (and some did once), send one
 * "tag silent" alert for this silence; the next event starts a new one.
 */
export async function checkTagSilence(env: Env, now: number): Promise<'alerted' | 'quiet' | 'ok' | 'off'> {
  const cfg = await readAlertConfig(env);
  if (!cfg || cfg.silentMinutes <= 0) return 'off';
  const config = configObject(env);
  const last = Number((await config.setting(LAST_EVENT)) ?? 0);
  if (!last) return 'ok';
  if (now - last < cfg.silentMinutes * 60_000) return 'ok';
  const alerted = Number((await config.setting(ALERTED)) ?? 0);
  if (alerted >= last) return 'quiet';
  const sent = await sendAlert(cfg, {
    kind: 'tag_silent',
    message: `no tag events for ${Math.floor((now - last) / 60_000)} minutes (threshold ${cfg.silentMinutes})`,
    lastEventAt: last,
    at: now,
  });
  if (sent.ok) await config.setSetting(ALERTED, String(now));
  return sent.ok ? 'alerted' : 'quiet';
}
