// Runs a template's ___TESTS___ scenarios outside GTM with the test APIs GTM documents: runCode,
// mock, mockObject, assertApi, assertThat, fail. Unmocked APIs are the harness's real ones, with
// permissions enforced; mocked ones skip the permission check, as in GTM.
import type { Policy } from './permissions';
import { compileSandboxed, fireTag } from './run-template';
import { createConsentState, createSandbox } from './sandbox';
import type { TemplateFile } from './tpl-file';

export interface ScenarioResult {
  name: string;
  passed: boolean;
  error?: string;
}

class AssertionFailure extends Error {
  override name = 'AssertionFailure';
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object')
    return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as any)[k], (b as any)[k]));
}

const show = (v: unknown) => {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

function assertThat(actual: unknown, message?: string) {
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new AssertionFailure(`${message ? message + ': ' : ''}expected ${show(actual)} ${what}`);
  };
  const len = () => (actual as { length?: number })?.length;
  const contains = (x: unknown) =>
    Array.isArray(actual)
      ? actual.some((v) => deepEqual(v, x))
      : typeof actual === 'string' && actual.includes(String(x));
  return {
    isEqualTo: (e: unknown) => check(deepEqual(actual, e), `to equal ${show(e)}`),
    isNotEqualTo: (e: unknown) => check(!deepEqual(actual, e), `not to equal ${show(e)}`),
    isStrictlyEqualTo: (e: unknown) => check(actual === e, `to be ${show(e)}`),
    isNotStrictlyEqualTo: (e: unknown) => check(actual !== e, `not to be ${show(e)}`),
    isUndefined: () => check(actual === undefined, 'to be undefined'),
    isDefined: () => check(actual !== undefined, 'to be defined'),
    isNull: () => check(actual === null, 'to be null'),
    isNotNull: () => check(actual !== null, 'not to be null'),
    isTrue: () => check(actual === true, 'to be true'),
    isFalse: () => check(actual === false, 'to be false'),
    isTruthy: () => check(!!actual, 'to be truthy'),
    isFalsy: () => check(!actual, 'to be falsy'),
    contains: (x: unknown) => check(contains(x), `to contain ${show(x)}`),
    doesNotContain: (x: unknown) => check(!contains(x), `not to contain ${show(x)}`),
    hasLength: (n: number) => check(len() === n, `to have length ${n}`),
    isEmpty: () => check(len() === 0, 'to be empty'),
    isNotEmpty: () => check(typeof len() === 'number' && len()! > 0, 'not to be empty'),
    isString: () => check(typeof actual === 'string', 'to be a string'),
    isNumber: () => check(typeof actual === 'number', 'to be a number'),
    isBoolean: () => check(typeof actual === 'boolean', 'to be a boolean'),
    isFunction: () => check(typeof actual === 'function', 'to be a function'),
    isArray: () => check(Array.isArray(actual), 'to be an array'),
    isObject: () => check(typeof actual === 'object' && actual !== null && !Array.isArray(actual), 'to be an object'),
    isGreaterThan: (n: number) => check((actual as number) > n, `to be > ${n}`),
    isLessThan: (n: number) => check((actual as number) < n, `to be < ${n}`),
  };
}

export interface ScenarioWorld {
  window: Record<string, unknown>;
  used: Set<string>;
}

/** Runs every scenario of the template, each with fresh mocks, window and consent. */
export function runTemplateTests(
  tpl: TemplateFile,
  policy: Policy,
  onWorld?: (name: string, world: ScenarioWorld) => void,
): ScenarioResult[] {
  const compiled = compileSandboxed(tpl.code);
  return tpl.tests.scenarios.map(({ name, code }) => {
    const window: Record<string, unknown> = {};
    const sandbox = createSandbox({
      window,
      policy,
      consent: createConsentState(),
      loadScript: (_url, done) => done(true),
    });
    const mocks = new Map<string, { value: unknown }>();
    const calls = new Map<string, unknown[][]>();
    const record = (api: string, args: unknown[]) => {
      if (!calls.has(api)) calls.set(api, []);
      calls.get(api)!.push(args);
    };
    const requireForCode = (api: string) => {
      const real = sandbox.require(api);
      return (...args: unknown[]) => {
        record(api, args);
        const mocked = mocks.get(api);
        if (!mocked) return (real as (...a: unknown[]) => unknown)(...args);
        return typeof mocked.value === 'function'
          ? (mocked.value as (...a: unknown[]) => unknown)(...args)
          : mocked.value;
      };
    };
    const testApis = {
      runCode(data: Record<string, unknown>) {
        const run = fireTag(compiled, requireForCode, data);
        for (let i = 0; i < run.successCalls; i++) record('gtmOnSuccess', []);
        for (let i = 0; i < run.failureCalls; i++) record('gtmOnFailure', []);
        if (run.error) throw run.error;
        return undefined;
      },
      mock: (api: string, value: unknown) => void mocks.set(api, { value }),
      mockObject: (api: string, value: unknown) => void mocks.set(api, { value: () => value }),
      assertApi(api: string) {
        const made = () => calls.get(api) ?? [];
        const fail = (what: string) => {
          throw new AssertionFailure(`${api} ${what}; calls: ${show(made())}`);
        };
        return {
          wasCalled: () => void (made().length || fail('was not called')),
          wasNotCalled: () => void (made().length && fail('was called')),
          wasCalledWith: (...expected: unknown[]) =>
            void (made().some((a) => deepEqual(a, expected)) || fail(`was not called with ${show(expected)}`)),
          wasNotCalledWith: (...expected: unknown[]) =>
            void (made().some((a) => deepEqual(a, expected)) && fail(`was called with ${show(expected)}`)),
        };
      },
      assertThat,
      fail: (message?: string) => {
        throw new AssertionFailure(message ?? 'fail() called');
      },
      require: requireForCode,
    };
    try {
      compileSandboxed(`${tpl.tests.setup}\n${code}`)(testApis);
      onWorld?.(name, { window, used: sandbox.used });
      return { name, passed: true };
    } catch (e) {
      return { name, passed: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
  });
}
