// The shared harness of the contract fakes: one loopback HTTP server per platform, a record of every
// request, and fault injection. Each platform module supplies the rules (validate + answer).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Lowercased header names. */
  headers: Record<string, string>;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  /** JSON-encoded unless a string; undefined sends an empty body. */
  body?: unknown;
}

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  status: number;
  reply: unknown;
}

/**
 * A fault applied to the next matching request(s), before or instead of the platform's rules.
 * - `status`: answer with this status and the platform's error body for it (Retry-After when given).
 * - `hang: 'before'`: never answer and do nothing (a timeout before the platform saw the request).
 * - `hang: 'after'`: apply the request normally, then never answer (an ambiguous timeout).
 * - `reply`: answer with exactly this.
 */
export interface Fault {
  status?: number;
  retryAfter?: string;
  hang?: 'before' | 'after';
  reply?: FakeReply;
  /** Platform-specific named fault (e.g. Google 'daily_quota'). */
  kind?: string;
  /** How many requests it applies to (default 1). */
  times?: number;
  /** Only requests whose path includes this (default: every API path, never the token endpoint). */
  path?: string;
}

export interface PlatformRules {
  /** Answer a request that passed fault handling. */
  handle(req: FakeRequest): FakeReply | Promise<FakeReply>;
  /** The platform's error body for a status injected by a fault. */
  errorFor(status: number, fault: Fault): FakeReply;
  /** Whether a path is the OAuth token endpoint (faults skip it unless they name it). */
  isTokenPath?(path: string): boolean;
  /** What the platform stored, for GET /__fake/state (tests running inside workerd read it over HTTP). */
  snapshot?(): unknown;
  /**
   * POST /__fake/control: the fake's own test levers for tests inside workerd (per-row errors,
   * expiring every access token...). Answers false for an action it does not know.
   */
  control?(body: Record<string, unknown>): boolean;
}

export interface FakeServer {
  url: string;
  /** Every request the fake answered, accepted or not, in order. */
  requests: RecordedRequest[];
  fault(f: Fault): void;
  clearFaults(): void;
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, reply: FakeReply): void {
  const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.body !== undefined && typeof reply.body !== 'string')
    headers['content-type'] ??= 'application/json; charset=utf-8';
  res.writeHead(reply.status, headers);
  res.end(body);
}

export async function startFakeServer(rules: PlatformRules): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let faults: (Fault & { left: number })[] = [];
  const hanging = new Set<ServerResponse>();

  function takeFault(path: string): Fault | undefined {
    const token = rules.isTokenPath?.(path) ?? false;
    const i = faults.findIndex((f) => (f.path ? path.includes(f.path) : !token));
    if (i < 0) return undefined;
    const f = faults[i]!;
    if (--f.left <= 0) faults.splice(i, 1);
    return f;
  }

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const text = await readBody(req);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers,
      text,
      json,
    };
    const record = (reply: FakeReply) =>
      requests.push({
        at: Date.now(),
        method: request.method,
        path: request.path,
        query: Object.fromEntries(url.searchParams),
        headers,
        body: json ?? text,
        status: reply.status,
        reply: reply.body,
      });

    // Control plane for tests that cannot hold the fake object (Worker tests inside workerd).
    if (url.pathname === '/__fake/fault' && request.method === 'POST') {
      faults.push({ ...(json as Fault), left: (json as Fault).times ?? 1 });
      return send(res, { status: 204 });
    }
    if (url.pathname === '/__fake/control' && request.method === 'POST') {
      const ok = rules.control?.((json ?? {}) as Record<string, unknown>) ?? false;
      return send(res, ok ? { status: 204 } : { status: 400, body: { error: 'unknown control action' } });
    }
    if (url.pathname === '/__fake/state')
      return send(res, {
        status: 200,
        body: {
          requests: requests.map((r) => ({ path: r.path, status: r.status })),
          stored: rules.snapshot?.() ?? null,
        },
      });
    const fault = takeFault(url.pathname);
    if (fault?.hang === 'before') {
      hanging.add(res);
      return;
    }
    let reply: FakeReply;
    if (fault?.reply) reply = fault.reply;
    else if (fault && (fault.status || fault.kind) && fault.hang !== 'after')
      reply = rules.errorFor(fault.status ?? 0, fault);
    else {
      try {
        reply = await rules.handle(request);
      } catch (e) {
        reply = { status: 500, body: { error: { message: `fake crashed: ${(e as Error).message}` } } };
      }
    }
    if (fault?.retryAfter) reply = { ...reply, headers: { ...reply.headers, 'retry-after': fault.retryAfter } };
    record(reply);
    if (fault?.hang === 'after') {
      hanging.add(res);
      return;
    }
    send(res, reply);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fault(f) {
      faults.push({ ...f, left: f.times ?? 1 });
    },
    clearFaults() {
      faults = [];
    },
    async stop() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
