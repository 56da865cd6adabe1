// A small stand-in for GTM's container runtime, enough to run our container export as GTM would:
// it watches window.dataLayer, keeps the merged data model, applies gtag('consent', ...) commands
// to Consent Mode, evaluates All Pages and Custom Event triggers with their filters, resolves
// Constant and Data Layer variables, and fires custom-template tags through the sandbox.
// Runs in Node and, bundled by esbuild, in Chromium: no Node imports here.
import { readPermissions } from './permissions';
import { compileSandboxed, fireTag, type CompiledCode, type TagRun } from './run-template';
import { createConsentState, createSandbox, type ConsentState, type Sandbox } from './sandbox';
import { parseTpl } from './tpl-file';

export const ALL_PAGES_TRIGGER = '2147479553';

export interface FiredTag {
  name: string;
  event: string;
  data: Record<string, unknown>;
  run: TagRun;
}

export interface RunningContainer {
  fired: FiredTag[];
  consent: ConsentState;
  model: Record<string, unknown>;
  sandboxes: Map<string, Sandbox>;
}

export interface ContainerOptions {
  window: any;
  loadScript(url: string, done: (ok: boolean) => void): void;
  debug?: boolean;
  log?: (...args: unknown[]) => void;
  onFired?: (tag: FiredTag) => void;
}

const isArguments = (v: unknown) => Object.prototype.toString.call(v) === '[object Arguments]';
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && !isArguments(v);

function merge(into: Record<string, unknown>, from: Record<string, unknown>) {
  for (const [k, v] of Object.entries(from)) {
    if (isPlainObject(v)) {
      if (!isPlainObject(into[k])) into[k] = {};
      merge(into[k] as Record<string, unknown>, v);
    } else into[k] = v;
  }
}

export function startContainer(exported: any, opts: ContainerOptions): RunningContainer {
  const cv = exported.containerVersion;
  const consent = createConsentState();
  const model: Record<string, unknown> = {};
  const fired: FiredTag[] = [];
  const sandboxes = new Map<string, Sandbox>();
  const templates = new Map<string, CompiledCode>();
  for (const t of cv.customTemplate ?? []) {
    const tpl = parseTpl(t.templateData);
    const type = `cvt_${cv.containerId}_${t.templateId}`;
    templates.set(type, compileSandboxed(tpl.code));
    sandboxes.set(
      type,
      createSandbox({
        window: opts.window,
        policy: readPermissions(tpl.permissions),
        consent,
        loadScript: opts.loadScript,
        debug: opts.debug,
        log: opts.log,
      }),
    );
  }
  const variables = new Map<string, any>((cv.variable ?? []).map((v: any) => [v.name, v]));
  const firedOnce = new Set<string>();
  let currentEvent = '';

  const variable = (name: string): unknown => {
    if (name === '_event' || name === 'Event') return currentEvent;
    const v = variables.get(name);
    if (!v) throw new Error(`unknown variable {{${name}}}`);
    const param = (key: string) => v.parameter.find((p: any) => p.key === key)?.value;
    if (v.type === 'c') return resolve(param('value'));
    if (v.type === 'v') {
      let cur: unknown = model;
      for (const part of String(param('name')).split('.'))
        cur = isPlainObject(cur) || Array.isArray(cur) ? (cur as any)[part] : undefined;
      return cur;
    }
    throw new Error(`variable type ${v.type} is not implemented`);
  };

  function resolve(value: string): unknown {
    const whole = /^\{\{([^{}]+)\}\}$/.exec(value);
    if (whole) return variable(whole[1]);
    return value.replace(/\{\{([^{}]+)\}\}/g, (_m, name) => String(variable(name) ?? ''));
  }

  const paramValue = (p: any): unknown => {
    switch (p.type) {
      case 'TEMPLATE':
        return resolve(p.value);
      case 'BOOLEAN':
        return p.value === 'true';
      case 'INTEGER':
        return Number(p.value);
      case 'LIST':
        return (p.list ?? []).map(paramValue);
      case 'MAP':
        return Object.fromEntries((p.map ?? []).map((m: any) => [m.key, paramValue(m)]));
      default:
        throw new Error(`parameter type ${p.type} is not implemented`);
    }
  };

  const conditionHolds = (c: any): boolean => {
    const [a, b] = ['arg0', 'arg1'].map((k) => String(resolve(c.parameter.find((p: any) => p.key === k).value) ?? ''));
    if (c.type === 'EQUALS') return a === b;
    if (c.type === 'CONTAINS') return a.includes(b);
    if (c.type === 'MATCH_REGEX') return new RegExp(b).test(a);
    throw new Error(`condition ${c.type} is not implemented`);
  };

  const triggerFires = (id: string, event: string): boolean => {
    if (id === ALL_PAGES_TRIGGER) return event === 'gtm.js';
    const t = (cv.trigger ?? []).find((x: any) => x.triggerId === id);
    if (!t) throw new Error(`unknown trigger ${id}`);
    if (t.type === 'PAGEVIEW') return event === 'gtm.js' && (t.filter ?? []).every(conditionHolds);
    if (t.type === 'CUSTOM_EVENT')
      return (t.customEventFilter ?? []).every(conditionHolds) && (t.filter ?? []).every(conditionHolds);
    throw new Error(`trigger type ${t.type} is not implemented`);
  };

  const onEvent = (event: string) => {
    currentEvent = event;
    for (const tag of cv.tag ?? []) {
      if (tag.tagFiringOption === 'ONCE_PER_LOAD' && firedOnce.has(tag.tagId)) continue;
      if (!(tag.firingTriggerId ?? []).some((id: string) => triggerFires(id, event))) continue;
      const compiled = templates.get(tag.type);
      if (!compiled) throw new Error(`tag ${tag.name} has type ${tag.type}, which is not a template of this container`);
      firedOnce.add(tag.tagId);
      const data = Object.fromEntries((tag.parameter ?? []).map((p: any) => [p.key, paramValue(p)]));
      const entry: FiredTag = { name: tag.name, event, data, run: undefined as unknown as TagRun };
      entry.run = fireTag(compiled, sandboxes.get(tag.type)!.require, data, () => opts.onFired?.(entry));
      fired.push(entry);
    }
  };

  const processItem = (item: any) => {
    // gtag() pushes its `arguments`; only Consent Mode commands matter here.
    if (isArguments(item) && item[0] === 'consent' && (item[1] === 'default' || item[1] === 'update')) {
      const changes: Record<string, 'granted' | 'denied'> = {};
      for (const [k, v] of Object.entries(item[2] ?? {})) if (v === 'granted' || v === 'denied') changes[k] = v;
      consent.update(changes);
      return;
    }
    if (!isPlainObject(item)) return;
    merge(model, item);
    if (typeof item.event === 'string') onEvent(item.event);
  };

  const w = opts.window;
  const dataLayer: unknown[] = (w.dataLayer = w.dataLayer || []);
  const originalPush = dataLayer.push.bind(dataLayer);
  for (const item of dataLayer.slice()) processItem(item);
  dataLayer.push = (...items: unknown[]) => {
    const n = originalPush(...items);
    for (const item of items) processItem(item);
    return n;
  };
  return { fired, consent, model, sandboxes };
}
