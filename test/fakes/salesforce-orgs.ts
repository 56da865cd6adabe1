// Many Salesforce orgs behind one loopback server, for tests that run inside workerd: each test
// names its own org (`/org/<name>/services/...`, created on first use) so its records, sessions,
// refresh-token rotation and API allowance never meet another test's. Tests drive an org over
// HTTP through POST /org/<name>/__control (the levers test/fakes/salesforce.ts gives in process).
import { createSalesforceRules, type SalesforceFakeOptions } from './salesforce';
import { startFakeServer, type FakeReply, type FakeServer } from './server';

type Org = ReturnType<typeof createSalesforceRules>;
type Body = Record<string, unknown>;

export async function startSalesforceOrgsFake(opts: SalesforceFakeOptions): Promise<FakeServer> {
  let url = '';
  const orgs = new Map<string, Org>();
  const org = (name: string): Org => {
    let o = orgs.get(name);
    if (!o) orgs.set(name, (o = createSalesforceRules(opts, () => `${url}/org/${name}`)));
    return o;
  };

  function control(o: Org, b: Body): FakeReply {
    const l = o.levers;
    const object = String(b.object ?? '');
    const at = typeof b.at === 'number' ? b.at : undefined;
    switch (b.action) {
      case 'insert':
        return { status: 200, body: { id: l.insert(object, (b.values ?? {}) as Body, at) } };
      case 'generate': {
        // `count` records whose values have `{i}` replaced by their number (a large org in one call).
        const ids: string[] = [];
        const values = JSON.stringify(b.values ?? {});
        for (let i = 0; i < Number(b.count); i++)
          ids.push(l.insert(object, JSON.parse(values.replaceAll('{i}', String(i))) as Body, at));
        return { status: 200, body: { count: ids.length, first: ids[0], last: ids.at(-1) } };
      }
      case 'update':
        l.update(object, String(b.id), (b.values ?? {}) as Body, at);
        return { status: 204 };
      case 'removeField':
        l.removeField(object, String(b.field));
        return { status: 204 };
      case 'expireSessions':
        l.expireSessions();
        return { status: 204 };
      case 'revokeRefreshTokens':
        l.revokeRefreshTokens();
        return { status: 204 };
      case 'callbackUrl':
        l.callbackUrls.add(String(b.url));
        return { status: 204 };
      case 'usage':
        Object.assign(l.apiUsage, b.apiUsage);
        return { status: 204 };
      case 'state':
        return {
          status: 200,
          body: {
            apiUsage: l.apiUsage,
            tokenGrants: o.oauth.grants,
            bulkJobs: l.jobs.size,
            refreshTokens: l.refreshTokens.size,
          },
        };
      default:
        return { status: 400, body: { error: `unknown control action ${String(b.action)}` } };
    }
  }

  const server = await startFakeServer({
    handle(req) {
      const m = /^\/org\/([A-Za-z0-9_-]{1,80})(\/.*)$/.exec(req.path);
      if (!m)
        return { status: 404, body: [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }] };
      const o = org(m[1]!);
      if (m[2] === '/__control' && req.method === 'POST') return control(o, (req.json ?? {}) as Body);
      return o.handle({ ...req, path: m[2]! });
    },
    errorFor: (status, fault) => org('__faults').errorFor(status, fault),
    isTokenPath: (p) => p.endsWith('/services/oauth2/token'),
  });
  url = server.url;
  return server;
}
