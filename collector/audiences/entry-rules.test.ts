// The entry rules (ARCHITECTURE.md §4) as pure functions: entries, exits, re-entry policy, the
// window edge and the status of a new conversion row. The PersonObject suites prove the wiring.
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../shared/time';
import { attributesFor, decide, insideWindow, rowFor } from './entry-rules';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const sec = (ms: number) => Math.floor(ms / 1000);

const audience = {
  criteria: { field: 'crm.stage', op: 'eq' as const, value: 'won' },
  timestamp: { field: 'crm.closedAt', withinDays: 30 },
  reentry: 'once' as const,
  allowTraits: false,
};
const won = (closedAt: number) => ({ crm: { stage: 'won', closedAt: new Date(closedAt).toISOString() } });
const none = { member: false, entryTimestamps: [] };

describe('attributesFor', () => {
  const attributes = { crm: { plan: 'pro' }, traits: { plan: 'free' }, 'traits.x': { a: 1 } };
  it('drops browser-sent traits unless the audience opted in', () => {
    expect(attributesFor({ allowTraits: false }, attributes)).toEqual({ crm: { plan: 'pro' } });
  });
  it('keeps everything when the audience allows traits', () => {
    expect(attributesFor({ allowTraits: true }, attributes)).toBe(attributes);
  });
});

describe('decide', () => {
  it('a first qualifying evaluation enters with the timestamp in epoch seconds', () => {
    const closedAt = NOW - 2 * DAY_MS + 789;
    const d = decide(audience, won(closedAt), none, NOW);
    expect(d).toMatchObject({ member: true, enter: sec(closedAt), exit: false });
  });

  it('once: a member with an entry does not enter again, even with a newer timestamp', () => {
    const d = decide(audience, won(NOW - DAY_MS), { member: true, entryTimestamps: [sec(NOW - 5 * DAY_MS)] }, NOW);
    expect(d).toMatchObject({ member: true, enter: null, exit: false });
  });

  it('once: a person who left and qualifies again does not re-enter', () => {
    const d = decide(audience, won(NOW - DAY_MS), { member: false, entryTimestamps: [sec(NOW - 20 * DAY_MS)] }, NOW);
    expect(d.enter).toBeNull();
    expect(d.member).toBe(true);
  });

  it('per_timestamp: a new timestamp enters again, the same one does not', () => {
    const perTs = { ...audience, reentry: 'per_timestamp' as const };
    const first = NOW - 10 * DAY_MS;
    const prior = { member: true, entryTimestamps: [sec(first)] };
    expect(decide(perTs, won(first), prior, NOW).enter).toBeNull();
    expect(decide(perTs, won(NOW - DAY_MS), prior, NOW).enter).toBe(sec(NOW - DAY_MS));
  });

  it('per_timestamp: a status flipping back with the same timestamp re-enters nothing', () => {
    const perTs = { ...audience, reentry: 'per_timestamp' as const };
    const ts = NOW - 3 * DAY_MS;
    expect(decide(perTs, won(ts), { member: false, entryTimestamps: [sec(ts)] }, NOW).enter).toBeNull();
  });

  it('leaving exits only a prior member, with the reason', () => {
    const lost = { crm: { stage: 'lost', closedAt: new Date(NOW - DAY_MS).toISOString() } };
    expect(decide(audience, lost, { member: true, entryTimestamps: [1] }, NOW)).toMatchObject({
      member: false,
      enter: null,
      exit: true,
      reason: 'criteria',
    });
    expect(decide(audience, lost, none, NOW)).toMatchObject({ member: false, exit: false });
  });

  it('no timestamp, too old or too far ahead: not a member, no entry', () => {
    expect(decide(audience, { crm: { stage: 'won' } }, none, NOW)).toMatchObject({
      member: false,
      enter: null,
      reason: 'no_timestamp',
    });
    expect(decide(audience, won(NOW - 31 * DAY_MS), none, NOW)).toMatchObject({
      member: false,
      reason: 'timestamp_too_old',
    });
    expect(decide(audience, won(NOW + 10 * 60_000), none, NOW)).toMatchObject({
      member: false,
      reason: 'timestamp_in_future',
    });
  });

  it('criteria over traits count only when the audience allows traits', () => {
    const traitsAudience = { ...audience, criteria: { field: 'traits.stage', op: 'eq' as const, value: 'won' } };
    const attributes = { ...won(NOW - DAY_MS), traits: { stage: 'won' } };
    expect(decide(traitsAudience, attributes, none, NOW).member).toBe(false);
    expect(decide({ ...traitsAudience, allowTraits: true }, attributes, none, NOW).member).toBe(true);
  });
});

describe('insideWindow', () => {
  it('includes the lower edge despite the floored seconds, and excludes just past it', () => {
    const edge = NOW - 30 * DAY_MS;
    expect(insideWindow(sec(edge + 500), 30, NOW)).toBe(true);
    expect(insideWindow(sec(edge) - 1, 30, NOW)).toBe(false);
  });
  it('allows the five minutes of clock drift ahead, not more', () => {
    expect(insideWindow(sec(NOW + 5 * 60_000), 30, NOW)).toBe(true);
    expect(insideWindow(sec(NOW + 5 * 60_000) + 1, 30, NOW)).toBe(false);
  });
});

describe('rowFor', () => {
  const conversion = { enabledAt: NOW - 10 * DAY_MS, sendExisting: false, paused: false };
  const liveAudience = { timestamp: { field: 'crm.closedAt', withinDays: 30 }, paused: false };
  const entry = { timestamp: sec(NOW - DAY_MS), enteredAt: NOW - DAY_MS };

  it('a fresh entry of a live conversion is pending', () => {
    expect(rowFor(entry, conversion, liveAudience, NOW)).toEqual({ status: 'pending', reason: null });
  });
  it('an entry made before the conversion went live is skipped unless sendExisting', () => {
    const old = { ...entry, enteredAt: conversion.enabledAt - 1 };
    expect(rowFor(old, conversion, liveAudience, NOW)).toEqual({ status: 'skipped', reason: 'existing_entry' });
    expect(rowFor(old, { ...conversion, sendExisting: true }, liveAudience, NOW).status).toBe('pending');
  });
  it('an entry outside the window is skipped', () => {
    expect(rowFor({ ...entry, timestamp: sec(NOW - 31 * DAY_MS) }, conversion, liveAudience, NOW)).toEqual({
      status: 'skipped',
      reason: 'outside_window',
    });
  });
  it('denied consent skips; unknown or granted does not', () => {
    expect(rowFor(entry, conversion, liveAudience, NOW, 'denied')).toEqual({
      status: 'skipped',
      reason: 'consent_denied',
    });
    expect(rowFor(entry, conversion, liveAudience, NOW, 'granted').status).toBe('pending');
  });
  it('a paused conversion or audience holds the row; skipping rules come first', () => {
    expect(rowFor(entry, { ...conversion, paused: true }, liveAudience, NOW)).toEqual({
      status: 'paused',
      reason: null,
    });
    expect(rowFor(entry, conversion, { ...liveAudience, paused: true }, NOW)).toEqual({
      status: 'paused',
      reason: null,
    });
    expect(rowFor(entry, conversion, liveAudience, NOW, 'denied').status).toBe('skipped');
    expect(rowFor(entry, { ...conversion, paused: true }, liveAudience, NOW, 'denied').status).toBe('skipped');
  });
});
