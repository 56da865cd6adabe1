import { forgetPersonInLog } from './conversions/log';
import { forgetVisitors } from './visitor-registry';
import type { Env } from './env';
import { identityOf, personKey } from './identity';
import { configObject, directoryFor, personByKey, visitorById } from './objects/doors';

// Erasure as DELETE /api/people/{email} does it: the directory keeps a suppression entry, the
// person's storage goes (a tombstone stays), the visitors of their browsers are forgotten, and the
// person leaves the audiences' members index.
export async function erasePerson(env: Env, email: string, now: number): Promise<{ existed: boolean }> {
  const key = await personKey(env, email);
  await directoryFor(env, key).suppress(key, now);
  const { existed, anonymousIds } = await personByKey(env, key).erase(key, now);
  await Promise.all(anonymousIds.map((id) => visitorById(env, id).forget()));
  await forgetVisitors(env, anonymousIds);
  // Out of every audience's members index, so the audiences' member counts drop now (after the
  // erase: the object can no longer report a membership of its own).
  await configObject(env).forgetMember(key);
  // People API rows dead-lettered for this person (collector/ingest/dead-letters.ts) hold the email.
  await configObject(env).forgetJobFailuresOf(identityOf(email));
  // The delivery log keeps ids and statuses; the person's email and payloads go.
  await forgetPersonInLog(env, key);
  return { existed };
}

export async function isSuppressed(env: Env, email: string): Promise<boolean> {
  const key = await personKey(env, email);
  const [inDirectory, inPerson] = await Promise.all([
    directoryFor(env, key).isSuppressed(key),
    personByKey(env, key).isSuppressed(),
  ]);
  return inDirectory || inPerson;
}

export async function liftSuppression(env: Env, email: string): Promise<boolean> {
  const key = await personKey(env, email);
  const [inDirectory, inPerson] = await Promise.all([
    directoryFor(env, key).unsuppress(key),
    personByKey(env, key).liftSuppression(),
  ]);
  return inDirectory || inPerson;
}
