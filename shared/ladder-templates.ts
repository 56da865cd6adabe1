// The funnel templates of a stage ladder: five audiences, each "reached this stage (or a later one)
// in the last N days", timed by the date the stage was reached. A person who skips a stage (lead
// straight to SQL) still enters every later stage they reach, each with its own date.
import type { AudienceDefinition } from './schemas/audience';
import { TEMPLATE_STAGES, type LadderStageInput, type LadderTemplate } from './schemas/ladder';

type StageKey = (typeof TEMPLATE_STAGES)[number];

export const STAGE_NAMES: Record<StageKey, string> = {
  lead: 'Lead',
  mql: 'MQL',
  sql: 'SQL',
  opportunity: 'Opportunity',
  won: 'Won',
};

/** Meta's event name per stage: its standard `Lead`, custom names above it. */
export const STAGE_EVENT_NAMES: Record<StageKey, string> = {
  lead: 'Lead',
  mql: 'MQL',
  sql: 'SQL',
  opportunity: 'Opportunity',
  won: 'Won',
};

// HubSpot's internal lifecycle stage values and the date property HubSpot sets on reaching each.
const HUBSPOT: Record<StageKey, string> = {
  lead: 'lead',
  mql: 'marketingqualifiedlead',
  sql: 'salesqualifiedlead',
  opportunity: 'opportunity',
  won: 'customer',
};
const HUBSPOT_AFTER_WON = ['evangelist'];

function stageDefinition(source: LadderTemplate['source'], key: StageKey, withinDays: number): AudienceDefinition {
  const later = TEMPLATE_STAGES.slice(TEMPLATE_STAGES.indexOf(key));
  if (source === 'hubspot') {
    const stage = HUBSPOT[key];
    return {
      name: `Ladder: ${STAGE_NAMES[key]} (HubSpot, ${withinDays} days)`,
      criteria: {
        field: 'hubspot.lifecyclestage',
        op: 'in',
        value: [...later.map((k) => HUBSPOT[k]), ...HUBSPOT_AFTER_WON],
      },
      timestamp: { field: `hubspot.hs_lifecyclestage_${stage}_date`, withinDays },
      reentry: 'once',
      allowTraits: false,
      paused: false,
    };
  }
  return {
    name: `Ladder: ${STAGE_NAMES[key]} (CRM, ${withinDays} days)`,
    criteria: { field: 'crm.lifecycle_stage', op: 'in', value: [...later] },
    timestamp: { field: `crm.${key}_at`, withinDays },
    reentry: 'once',
    allowTraits: false,
    paused: false,
  };
}

/** The stages a template makes, in funnel order, each with the audience to create. */
export function templateStages(t: LadderTemplate): LadderStageInput[] {
  const keys = t.stages ? TEMPLATE_STAGES.filter((k) => t.stages!.includes(k)) : [...TEMPLATE_STAGES];
  return keys.map((key) => ({ key, name: STAGE_NAMES[key], audience: stageDefinition(t.source, key, t.withinDays) }));
}

/** The default event name of a stage (Meta and other event-name platforms). */
export function defaultEventName(key: string, name: string): string {
  return (STAGE_EVENT_NAMES as Record<string, string>)[key] ?? name;
}
