// The ConfigObject's stage ladders: named, ordered lists of audiences (lead → MQL → SQL → ...). A
// ladder made from a template or with inline definitions creates its audiences and their conversions
// in the same transaction as the ladder itself, so a refused ladder leaves nothing behind. The checks
// of its stages, what a `send` makes per stage and the same-event check are in ladders/ladder-rules.ts.
import {
  ladderCreateSchema,
  ladderPatchSchema,
  ladderSendSchema,
  type LadderStageInput,
  type StoredStage,
} from '../../shared/schemas/ladder';
import { templateStages } from '../../shared/ladder-templates';
import type { ConversionSettings } from '../../shared/schemas/conversion';
import { definitionIssues, type DefinitionIssue } from '../audiences/definition-issues';
import type { StoredAudience } from '../audiences/types';
import type { AudienceStore, Outcome } from './config-audiences';
import { randomId } from './config-audiences';
import type { DestinationRef } from './config-destinations';
import { migrate } from './sql';
import { expandSend, sameEventIssues, slug, stageIssues } from '../ladders/ladder-rules';

export interface StoredLadder {
  id: string;
  name: string;
  stages: StoredStage[];
  createdAt: number;
  updatedAt: number;
}

export interface LadderCreated {
  ladder: StoredLadder;
  /** Audiences the ladder created (each needs its populate job). */
  createdAudiences: StoredAudience[];
  /** Existing audiences that got conversions (each needs a sweep). */
  convertedAudiences: StoredAudience[];
}

const steps = [
  `CREATE TABLE ladders (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     stages TEXT NOT NULL CHECK (json_valid(stages)),
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );`,
];

type Row = { id: string; name: string; stages: string; created_at: number; updated_at: number };

class Refused extends Error {
  constructor(readonly issues: DefinitionIssue[]) {
    super('refused');
  }
}

export class LadderStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly transaction: <T>(fn: () => T) => T,
    private readonly audiences: AudienceStore,
    private readonly destinations: {
      list(options?: { includeDeleted?: boolean }): DestinationRef[];
      state(id: string): 'live' | 'deleted' | 'unknown';
    },
  ) {
    migrate(sql, steps, 'ladders');
  }

  create(input: unknown, now: number): Outcome<LadderCreated> {
    const parsed = ladderCreateSchema.safeParse(input);
    if (!parsed.success) return { ok: false, code: 'invalid', issues: definitionIssues(parsed.error) };
    const l = parsed.data;
    const stages: (LadderStageInput & { key: string })[] = (l.template ? templateStages(l.template) : l.stages!).map(
      (s, i) => ({ ...s, key: s.key ?? slug(s.name, i) }),
    );
    const issues: DefinitionIssue[] = [];
    const path = (i: number, rest: string) => (l.template ? `template.stages[${i}]${rest}` : `stages[${i}]${rest}`);
    issues.push(...stageIssues(stages, path, (a) => !!this.audiences.getAudience(a)));

    // Every conversion each stage gets: those its audience has, its own, then one per `send` destination.
    const conversions: ConversionSettings[][] = stages.map((s) => [
      ...this.existing(s.audienceId),
      ...(s.conversions ?? []).map((c) => ({ ...c })),
    ]);
    // Where each came from in the request (null: the audience has it already), for the issue paths.
    const origins: (string | null)[][] = stages.map((s, i) => [
      ...this.existing(s.audienceId).map(() => null),
      ...(s.conversions ?? []).map((_, k) => path(i, `.conversions[${k}]`)),
    ]);
    const types = new Map(this.destinations.list({ includeDeleted: true }).map((d) => [d.id, d.type]));
    const known = { types, state: (d: string) => this.destinations.state(d) };
    (l.send ?? []).forEach((send, j) =>
      expandSend(send, `send[${j}]`, stages, known, { conversions, origins, issues }),
    );
    issues.push(...sameEventIssues(stages, conversions, origins, types));
    if (issues.length) return { ok: false, code: 'invalid', issues: issues.slice(0, 20) };

    try {
      return this.transaction(() => {
        const createdAudiences: StoredAudience[] = [];
        const convertedAudiences: StoredAudience[] = [];
        const stored: StoredStage[] = stages.map((s, i) => {
          let audience: StoredAudience;
          if (s.audience) {
            const made = this.audiences.createAudience(s.audience, now);
            if (!made.ok)
              throw new Refused((made.issues ?? []).map((x) => ({ ...x, path: path(i, `.audience.${x.path}`) })));
            audience = made.value;
            createdAudiences.push(audience);
          } else {
            audience = this.audiences.getAudience(s.audienceId!)!;
          }
          // Only the new ones: those the audience has already (origin null) stay as they are.
          const added = conversions[i]!.map((c, k) => ({ c, origin: origins[i]![k]! })).filter(
            (x) => x.origin !== null,
          );
          if (s.audienceId !== undefined && added.length) convertedAudiences.push(audience);
          for (const { c, origin } of added) {
            const on = this.audiences.createConversion(audience.id, c, now, (id) => this.destinations.state(id));
            if (!on.ok) throw new Refused((on.issues ?? []).map((x) => ({ ...x, path: `${origin}.${x.path}` })));
          }
          return { key: s.key, name: s.name, audienceId: audience.id };
        });
        const id = randomId('lad_');
        this.sql.exec(
          'INSERT INTO ladders (id, name, stages, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
          id,
          l.name,
          JSON.stringify(stored),
          now,
          now,
        );
        return { ok: true, value: { ladder: this.get(id)!, createdAudiences, convertedAudiences } };
      });
    } catch (e) {
      if (e instanceof Refused) return { ok: false, code: 'invalid', issues: e.issues };
      throw e;
    }
  }

  /** The conversions an existing audience has, as settings (for the same-event check). */
  private existing(audienceId: string | undefined): ConversionSettings[] {
    if (audienceId === undefined || !this.audiences.getAudience(audienceId)) return [];
    return this.audiences
      .listConversions(audienceId)
      .map(({ id: _i, audienceId: _a, enabledAt: _e, createdAt: _c, updatedAt: _u, ...settings }) => settings);
  }

  /**
   * Turns one destination on for every stage of a ladder (POST /api/ladders/{id}/send), with the
   * same checks as at creation, the conversions the stages' audiences already have included.
   */
  addSend(
    id: string,
    input: unknown,
    now: number,
  ): Outcome<{ ladder: StoredLadder; convertedAudiences: StoredAudience[] }> {
    const parsed = ladderSendSchema.safeParse(input);
    if (!parsed.success) return { ok: false, code: 'invalid', issues: definitionIssues(parsed.error) };
    const ladder = this.get(id);
    if (!ladder) return { ok: false, code: 'not_found' };
    const issues: DefinitionIssue[] = [];
    ladder.stages.forEach((s, i) => {
      if (!this.audiences.getAudience(s.audienceId))
        issues.push({
          path: `stages[${i}]`,
          message: `the audience of stage "${s.key}" (${s.audienceId}) was deleted: remove the stage first (PATCH)`,
        });
    });
    const conversions = ladder.stages.map((s) => this.existing(s.audienceId));
    const origins: (string | null)[][] = conversions.map((list) => list.map(() => null));
    const types = new Map(this.destinations.list({ includeDeleted: true }).map((d) => [d.id, d.type]));
    const before = conversions.map((list) => list.length);
    expandSend(
      parsed.data,
      '(body)',
      ladder.stages,
      { types, state: (d) => this.destinations.state(d) },
      { conversions, origins, issues },
    );
    issues.push(...sameEventIssues(ladder.stages, conversions, origins, types));
    if (issues.length)
      return {
        ok: false,
        code: 'invalid',
        issues: issues.slice(0, 20).map((x) => ({ ...x, path: x.path.replace(/^\(body\)\./, '') })),
      };
    try {
      return this.transaction(() => {
        const convertedAudiences: StoredAudience[] = [];
        ladder.stages.forEach((s, i) => {
          const added = conversions[i]!.slice(before[i]);
          added.forEach((c) => {
            const on = this.audiences.createConversion(s.audienceId, c, now, (d) => this.destinations.state(d));
            if (!on.ok) throw new Refused((on.issues ?? []).map((x) => ({ ...x, path: `stages.${s.key}.${x.path}` })));
          });
          if (added.length) convertedAudiences.push(this.audiences.getAudience(s.audienceId)!);
        });
        this.sql.exec('UPDATE ladders SET updated_at = ? WHERE id = ?', now, id);
        return { ok: true, value: { ladder: this.get(id)!, convertedAudiences } };
      });
    } catch (e) {
      if (e instanceof Refused) return { ok: false, code: 'invalid', issues: e.issues };
      throw e;
    }
  }

  get(id: string): StoredLadder | null {
    const row = this.sql.exec<Row>('SELECT * FROM ladders WHERE id = ?', id).toArray()[0];
    return row ? toLadder(row) : null;
  }

  list(): StoredLadder[] {
    return this.sql.exec<Row>('SELECT * FROM ladders ORDER BY created_at, id').toArray().map(toLadder);
  }

  /** Renames or re-orders; the stages named must be existing audiences. */
  update(id: string, patch: unknown, now: number): Outcome<StoredLadder> {
    const parsed = ladderPatchSchema.safeParse(patch);
    if (!parsed.success) return { ok: false, code: 'invalid', issues: definitionIssues(parsed.error) };
    return this.transaction(() => {
      const current = this.get(id);
      if (!current) return { ok: false, code: 'not_found' };
      let stages = current.stages;
      if (parsed.data.stages) {
        stages = parsed.data.stages.map((s, i) => ({
          key: s.key ?? current.stages.find((c) => c.audienceId === s.audienceId)?.key ?? slug(s.name, i),
          name: s.name,
          audienceId: s.audienceId,
        }));
        const at = (i: number, rest: string) => `stages[${i}]${rest}`;
        const issues = stageIssues(stages, at, (a) => !!this.audiences.getAudience(a));
        if (issues.length) return { ok: false, code: 'invalid', issues };
      }
      this.sql.exec(
        'UPDATE ladders SET name = ?, stages = ?, updated_at = ? WHERE id = ?',
        parsed.data.name ?? current.name,
        JSON.stringify(stages),
        now,
        id,
      );
      return { ok: true, value: this.get(id)! };
    });
  }

  /** Removes the ladder; its audiences too only when asked (returned, for their sweeps). */
  delete(
    id: string,
    { withAudiences }: { withAudiences: boolean },
  ): { ladder: StoredLadder; deletedAudiences: StoredAudience[] } | null {
    return this.transaction(() => {
      const ladder = this.get(id);
      if (!ladder) return null;
      this.sql.exec('DELETE FROM ladders WHERE id = ?', id);
      const deletedAudiences: StoredAudience[] = [];
      if (withAudiences) {
        // An audience that is also a stage of another ladder stays.
        const elsewhere = new Set(this.list().flatMap((o) => o.stages.map((s) => s.audienceId)));
        for (const s of ladder.stages) {
          if (elsewhere.has(s.audienceId)) continue;
          const gone = this.audiences.deleteAudience(s.audienceId);
          if (gone) deletedAudiences.push(gone);
        }
      }
      return { ladder, deletedAudiences };
    });
  }
}

function toLadder(row: Row): StoredLadder {
  return {
    id: row.id,
    name: row.name,
    stages: JSON.parse(row.stages) as StoredStage[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
