// The member audit (GET /api/audiences/{id}/members and the admin's audience page): each member's
// PersonObject says which entry counts and why a conversion would be skipped, or hands back the
// delivery row; each destination's own builder then turns the rows into the exact payload (one
// DestinationObject call per destination and page, not per member).
import type { Env } from '../env';
import type { HttpRequest } from '../delivery/types';
import type { Mode } from '../../shared/schemas/destinations';
import type { Result } from '../objects/destination-types';
import type { PersonAudit } from '../objects/person-audiences';
import type { MatchKey } from '../delivery/match-keys';
import type { MatchCoverage } from '../delivery/match-coverage';
import type { IdentifierSource } from './identity-mapping';
import type { AuditSkip } from './types';
import type { AuditRetraction, WouldSend } from './would-send';
import { configObject, destinationById, personByKey } from '../objects/doors';

type Base = PersonAudit['conversions'][number];
// `identity`: where each identifier came from, or why it is absent (a candidate field that holds no text is listed with its reason).
// `retraction`: where the counting entry's retraction stands, when one was handed off (would-send.ts).
type Common = Pick<Base, 'conversionId' | 'destinationId' | 'entryId' | 'status'> & {
  identity?: IdentifierSource[];
  retraction?: AuditRetraction | null;
};

export type AuditedConversion = Common &
  (
    | {
        payload: unknown;
        matchKeys: MatchKey[];
        coverage: MatchCoverage | null;
        request: HttpRequest;
        mode: Mode;
        outbox: WouldSend['outbox'];
      }
    | { skip: AuditSkip; detail: string; outbox?: WouldSend['outbox'] }
  );

export type MemberAudit = Omit<PersonAudit, 'conversions'> & { conversions: AuditedConversion[] };

/** Turns the rows of a page of person audits into payloads or skips, per destination. */
export async function resolveAudits(env: Env, audits: (PersonAudit | null)[]): Promise<(MemberAudit | null)[]> {
  const wanted = new Map<string, { a: number; c: number }[]>();
  audits.forEach((audit, a) =>
    audit?.conversions.forEach((cv, c) => {
      if ('row' in cv) wanted.set(cv.destinationId, [...(wanted.get(cv.destinationId) ?? []), { a, c }]);
    }),
  );
  const resolved = new Map<string, AuditedConversion>();
  await Promise.all(
    [...wanted].map(async ([destinationId, at]) => {
      const rows = at.map(({ a, c }) => (audits[a]!.conversions[c] as Extract<Base, { row: unknown }>).row);
      // The stub's inferred type cannot express `unknown` payloads; the method's own type is this.
      const answer = (await destinationById(env, destinationId).preview(rows)) as unknown as Result<WouldSend[]>;
      at.forEach(({ a, c }, i) => {
        const { row: _row, ...common } = audits[a]!.conversions[c] as Extract<Base, { row: unknown }>;
        let out: AuditedConversion;
        if (!answer.ok)
          out = {
            ...common,
            skip: 'destination_not_configured',
            detail: `destination ${destinationId} is not configured`,
          };
        else {
          const w = answer.value[i]!;
          const retraction = w.retraction ?? null;
          out =
            w.skip === null
              ? {
                  ...common,
                  payload: w.payload,
                  matchKeys: w.matchKeys ?? [],
                  coverage: w.coverage ?? null,
                  request: w.request!,
                  mode: w.mode,
                  outbox: w.outbox,
                  retraction,
                }
              : { ...common, skip: w.skip, detail: w.detail ?? w.skip, outbox: w.outbox, retraction };
        }
        resolved.set(`${a}:${c}`, out);
      });
    }),
  );
  return audits.map((audit, a) =>
    audit
      ? { ...audit, conversions: audit.conversions.map((cv, c) => ('row' in cv ? resolved.get(`${a}:${c}`)! : cv)) }
      : null,
  );
}

/** One page of the members index, audited. Members erased since they entered are dropped from the index. */
export async function auditPage(env: Env, audienceId: string, cursor: string, limit: number, now: number) {
  const config = configObject(env);
  const [page, fresh] = await Promise.all([config.listMembers(audienceId, cursor, limit), config.audienceConfig()]);
  const personAudits = (await Promise.all(
    page.map((m) => personByKey(env, m.personKey).auditAudience(audienceId, now, fresh)),
  )) as (PersonAudit | null)[];
  const gone = page.filter((_, i) => !personAudits[i]);
  if (gone.length)
    await config.recordMemberships(
      gone.map((m) => ({
        personKey: m.personKey,
        changes: [{ audienceId, member: false, timestampMs: null, since: now }],
      })),
    );
  const audits = await resolveAudits(env, personAudits);
  const members = audits.flatMap((a, i) => (a ? [{ ...a, memberSince: page[i]!.since }] : []));
  return { members, next: page.length === limit ? page[page.length - 1]!.personKey : null };
}
