// Checks a JSON request against Google's own message definitions (the protos.json descriptors and
// .proto files shipped in @google-ads/datamanager and google-ads-node), the way Google's JSON
// transcoding reads it: lowerCamelCase field names, scalar and enum types, google.protobuf.Timestamp
// as RFC 3339, REQUIRED field behaviour, at most one member of a oneof, and the google.api.http rule
// of the method. Contract tests only (protobufjs is a dev dependency).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);

export const DM_PROTOS = join(dirname(require.resolve('@google-ads/datamanager/package.json')), 'build/protos');
export const ADS_PROTOS = join(dirname(require.resolve('google-ads-node/package.json')), 'build/protos');

export function loadRoot(protosDir: string): protobuf.Root {
  const root = protobuf.Root.fromJSON(JSON.parse(readFileSync(join(protosDir, 'protos.json'), 'utf8')));
  root.resolveAll();
  return root;
}

/** The text of one .proto file Google ships (for the limits and notes only its comments state). */
export function protoText(protosDir: string, file: string): string {
  return readFileSync(join(protosDir, file), 'utf8');
}

export const jsonName = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const INT32 = ['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32'];
const INT64 = ['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64'];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function behaviours(field: protobuf.Field): string[] {
  const b = field.options?.['(google.api.field_behavior)'];
  return Array.isArray(b) ? b : b ? [b] : [];
}

/** Field names (JSON form) of a message. */
export function fieldNames(type: protobuf.Type): string[] {
  return type.fieldsArray.map((f) => jsonName(f.name));
}

/** Values of an enum, by its full name or the enum type of a field. */
export function enumValues(e: protobuf.Enum): string[] {
  return Object.keys(e.values);
}

/**
 * Problems of `value` as the JSON form of `type`, each as `path: what`. `bound` names top-level fields
 * the URL carries (path parameters): present though absent from the body.
 */
export function checkMessage(type: protobuf.Type, value: unknown, path = '', bound: string[] = []): string[] {
  const out: string[] = [];
  const at = (k: string) => (path ? `${path}.${k}` : k);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${path || '(body)'}: must be an object (${type.name})`];
  const obj = value as Record<string, unknown>;
  const byJson = new Map(type.fieldsArray.map((f) => [jsonName(f.name), f]));
  for (const key of Object.keys(obj))
    if (!byJson.has(key)) out.push(`${at(key)}: no such field in ${type.fullName.slice(1)}`);
  for (const [key, field] of byJson) {
    const present = obj[key] !== undefined && obj[key] !== null;
    if (!present) {
      if (behaviours(field).includes('REQUIRED') && !bound.includes(key))
        out.push(`${at(key)}: REQUIRED by ${type.fullName.slice(1)}`);
      continue;
    }
    if (bound.includes(key)) out.push(`${at(key)}: bound in the URL path, must not be in the body`);
    if (behaviours(field).includes('OUTPUT_ONLY')) out.push(`${at(key)}: OUTPUT_ONLY`);
    const v = obj[key];
    if (field.repeated) {
      if (!Array.isArray(v)) out.push(`${at(key)}: must be a list`);
      else v.forEach((item, i) => out.push(...checkValue(field, item, `${at(key)}[${i}]`)));
    } else out.push(...checkValue(field, v, at(key)));
  }
  for (const oneof of type.oneofsArray) {
    if (oneof.name.startsWith('_')) continue; // proto3 `optional`, not a real choice
    const set = oneof.fieldsArray.map((f) => jsonName(f.name)).filter((k) => obj[k] !== undefined);
    if (set.length > 1) out.push(`${path || '(body)'}: at most one of oneof ${oneof.name} (${set.join(', ')})`);
  }
  return out;
}

function checkValue(field: protobuf.Field, v: unknown, path: string): string[] {
  const t = field.resolvedType;
  if (t instanceof protobuf.Enum) {
    if (typeof v !== 'string' || !(v in t.values))
      return [`${path}: ${JSON.stringify(v)} is not a value of ${t.fullName.slice(1)}`];
    if (t.values[v] === 0 || v === 'UNKNOWN') return [`${path}: ${v} is a placeholder value, never one to send`];
    return [];
  }
  if (t instanceof protobuf.Type) {
    if (t.fullName === '.google.protobuf.Timestamp')
      return typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v))
        ? []
        : [`${path}: must be an RFC 3339 timestamp`];
    if (t.fullName === '.google.protobuf.Duration')
      return typeof v === 'string' && /^-?\d+(\.\d{1,9})?s$/.test(v) ? [] : [`${path}: must be a duration like "30s"`];
    return checkMessage(t, v, path);
  }
  const type = field.type;
  if (type === 'string') return typeof v === 'string' ? [] : [`${path}: must be a string`];
  if (type === 'bool') return typeof v === 'boolean' ? [] : [`${path}: must be a boolean`];
  if (type === 'double' || type === 'float')
    return typeof v === 'number' && Number.isFinite(v) ? [] : [`${path}: must be a finite number`];
  if (INT32.includes(type))
    return Number.isInteger(v) && Math.abs(v as number) < 2 ** 31 ? [] : [`${path}: must be a 32-bit integer`];
  if (INT64.includes(type))
    return (typeof v === 'string' && /^-?\d+$/.test(v)) || Number.isSafeInteger(v)
      ? []
      : [`${path}: must be a 64-bit integer (string)`];
  if (type === 'bytes')
    return typeof v === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v) ? [] : [`${path}: must be base64`];
  return [`${path}: unchecked type ${type}`];
}

/** The google.api.http rule of a method: verb, path template, body. */
export function httpRule(service: protobuf.Service, method: string): { verb: string; template: string; body?: string } {
  const m = service.methods[method];
  if (!m) throw new Error(`no method ${method} in ${service.fullName}`);
  const rule = (m.parsedOptions ?? []).find((o: Record<string, unknown>) => o['(google.api.http)'])?.[
    '(google.api.http)'
  ] as Record<string, string>;
  const verb = ['get', 'post', 'put', 'patch', 'delete'].find((k) => rule[k])!;
  return { verb: verb.toUpperCase(), template: rule[verb]!, body: rule.body };
}

/** The path parameters (JSON names) when `path` matches the template, else null. */
export function matchTemplate(template: string, path: string): Record<string, string> | null {
  const names: string[] = [];
  const source = template
    .replace(/[.*+?^$()|[\]\\]/g, (c) => (c === '*' ? c : `\\${c}`))
    .replace(/\{([a-z_]+)(?:=([^}]*))?\}/g, (_, name: string, pattern?: string) => {
      names.push(jsonName(name));
      return pattern === '**' ? '(.+)' : '([^/]+)';
    });
  const m = new RegExp(`^${source}$`).exec(path);
  if (!m) return null;
  return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
}

/** A resource name pattern (`customers/{customer_id}/conversionActions/{conversion_action_id}`) as a RegExp. */
export function resourcePattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/\{[a-z_]+\}/g, '[^/]+')}$`);
}
