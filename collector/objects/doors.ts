// The one door to each Durable Object: every other module reaches an object through these
// functions, so how an object is named (its id) lives in one place. Types come from the generated
// `Env` (collector/worker-configuration.d.ts), so this module imports no object class.
import type { Env } from '../env';
import { shardOf } from '../directory';

type ObjectOf<N> = N extends DurableObjectNamespace<infer T> ? T : never;

/** A person's PersonObject, by its object key (the identity HMAC of the email; collector/identity.ts). */
export function personByKey(env: Env, key: string) {
  return env.PERSON.get(env.PERSON.idFromName(key));
}

/** A browser's VisitorObject. Anonymous ids are random, so they name the object directly. */
export function visitorById(env: Env, anonymousId: string) {
  return env.VISITOR.get(env.VISITOR.idFromName(`visitor:${anonymousId}`));
}

/** The single ConfigObject: audiences, destinations' public settings, keys, jobs, the change log. */
export function configObject(env: Env) {
  return env.CONFIG.get(env.CONFIG.idFromName('config'));
}

/** One shard of the people directory (collector/directory.ts). */
export function directoryShard(env: Env, shard: number) {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName(`directory:${shard}`));
}

/** The directory shard that lists a person. */
export function directoryFor(env: Env, personKey: string) {
  return directoryShard(env, shardOf(personKey));
}

/**
 * The DestinationObject of a destination id, as the destinations API makes it (tests address theirs
 * by any name); an unconfigured object refuses rows, which then stay pending at the person.
 */
export function destinationById(env: Env, id: string): ObjectOf<Env['DESTINATION']> {
  // RPC stubs type `unknown`-holding answers as never; the object's own types are what arrive.
  return env.DESTINATION.get(env.DESTINATION.idFromName(id)) as unknown as ObjectOf<Env['DESTINATION']>;
}

/** The SourceObject of a connected CRM source (collector/sources/). */
export function sourceById(env: Env, id: string): ObjectOf<Env['SOURCE']> {
  return env.SOURCE.get(env.SOURCE.idFromName(id)) as unknown as ObjectOf<Env['SOURCE']>;
}
