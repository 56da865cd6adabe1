// A stage ladder's rules: its stages (one key each, existing audiences, none twice) and its sends:
// one destination turned on for every stage becomes a conversion per stage (its event name or
// conversion action, value and currency), and two stages that would send the same event (or
// conversion action) to one destination are refused, since the platform would count them as one.
// Pure rules over the request and the destinations' types and states, apart from the ladders'
// store (objects/config-ladders.ts), which runs them inside its transaction.
import { defaultEventName } from '../../shared/ladder-templates';
import type { ConversionSettings } from '../../shared/schemas/conversion';
import type { LadderSend } from '../../shared/schemas/ladder';
import type { DefinitionIssue } from '../audiences/definition-issues';

// Platforms that tell conversions apart by event name; the others by conversion action (Google,
// LinkedIn, Microsoft), falling back to the destination's own default action.
const BY_EVENT_NAME = new Set(['meta', 'reddit', 'tiktok']);

/** A stage's key from its name: lower-case words joined by `_`, or `stage_N` when none starts with a letter. */
export function slug(name: string, i: number): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  return /^[a-z]/.test(s) ? s : `stage_${i + 1}`;
}

/** The stages' own problems: two with one key, an audience that does not exist, one audience twice. */
export function stageIssues(
  stages: { key: string; audienceId?: string }[],
  path: (i: number, rest: string) => string,
  audienceExists: (id: string) => boolean,
): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const keys = new Set<string>();
  const used = new Set<string>();
  stages.forEach((s, i) => {
    if (keys.has(s.key)) issues.push({ path: path(i, '.key'), message: `two stages have the key "${s.key}"` });
    keys.add(s.key);
    if (s.audienceId === undefined) return;
    if (!audienceExists(s.audienceId))
      issues.push({ path: path(i, '.audienceId'), message: `no audience ${s.audienceId}` });
    else if (used.has(s.audienceId))
      issues.push({
        path: path(i, '.audienceId'),
        message: `audience ${s.audienceId} is already a stage of this ladder`,
      });
    used.add(s.audienceId);
  });
  return issues;
}

/** One destination for every stage: a conversion per stage (unless `send: false`), problems into `out.issues`. */
export function expandSend(
  send: LadderSend,
  at: string,
  stages: { key: string; name: string }[],
  destinations: { types: Map<string, string>; state(id: string): 'live' | 'deleted' | 'unknown' },
  out: { conversions: ConversionSettings[][]; origins: (string | null)[][]; issues: DefinitionIssue[] },
): void {
  const { types } = destinations;
  const { conversions, origins, issues } = out;
  const keys = stages.map((s) => s.key);
  const state = destinations.state(send.destinationId);
  if (state !== 'live')
    issues.push({
      path: `${at}.destinationId`,
      message:
        state === 'deleted'
          ? `destination ${send.destinationId} was deleted`
          : `no destination ${send.destinationId} is configured`,
    });
  for (const key of Object.keys(send.stages ?? {}))
    if (!keys.includes(key))
      issues.push({
        path: `${at}.stages.${key}`,
        message: `no stage "${key}" in this ladder (stages: ${keys.join(', ')})`,
      });
  const byName = BY_EVENT_NAME.has(types.get(send.destinationId) ?? '');
  stages.forEach((s, i) => {
    const per = send.stages?.[s.key];
    if (per?.send === false) return;
    const value = per?.value ?? send.value;
    const valueField = per?.valueField ?? send.valueField;
    origins[i]!.push(`${at}.stages.${s.key}`);
    conversions[i]!.push({
      destinationId: send.destinationId,
      ...(byName || per?.eventName ? { eventName: per?.eventName ?? defaultEventName(s.key, s.name) } : {}),
      ...(per?.conversionAction ? { conversionAction: per.conversionAction } : {}),
      ...(value !== undefined ? { value } : {}),
      ...(valueField !== undefined ? { valueField } : {}),
      // The currency goes with a value only: a stage without one sends no value fields at all.
      ...(send.currency && (value !== undefined || valueField !== undefined) ? { currency: send.currency } : {}),
      sendExisting: send.sendExisting ?? true,
      paused: false,
      retractOn: undefined,
    });
  });
}

/** Two stages sending the same event (or the same conversion action) to one destination would count as one conversion there. */
export function sameEventIssues(
  stages: { key: string }[],
  conversions: ConversionSettings[][],
  origins: (string | null)[][],
  types: Map<string, string>,
): DefinitionIssue[] {
  const seen = new Map<string, string>();
  const issues: DefinitionIssue[] = [];
  stages.forEach((s, i) => {
    conversions[i]!.forEach((c, k) => {
      const byName = BY_EVENT_NAME.has(types.get(c.destinationId) ?? '');
      const what = byName
        ? `event "${c.eventName ?? 'Lead'}"`
        : c.conversionAction
          ? `conversion action ${c.conversionAction}`
          : "the destination's default conversion action";
      const id = `${c.destinationId}\u0000${what}`;
      const other = seen.get(id);
      // Two the audiences had already are not this request's doing.
      if (other !== undefined && origins[i]![k] !== null) {
        const field = byName ? 'eventName' : 'conversionAction';
        issues.push({
          path: `${origins[i]![k]}.${field}`,
          message:
            other === s.key
              ? `stage "${s.key}" already sends ${what} to ${c.destinationId}`
              : `stages "${other}" and "${s.key}" would both send ${what} to ${c.destinationId}: give each stage its own ${field}`,
        });
      }
      seen.set(id, other ?? s.key);
    });
  });
  return issues;
}
