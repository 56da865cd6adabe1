// An OAuth 2 token endpoint (refresh_token grant, form-encoded) and the bearer check of the API it
// guards. Tokens are random; `expireAll` makes every issued access token fail with 401.
import { randomBytes } from 'node:crypto';
import type { FakeReply, FakeRequest } from './server';

export interface OAuthOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Scope the refresh token was granted for; a request asking another scope is refused. */
  scope?: string;
  /** Whether a refresh answers with a new refresh token and revokes the old one (Microsoft does). */
  rotate?: boolean;
  /** Access-token lifetime in seconds (Google 3599, LinkedIn ~60 days, Microsoft 3600). */
  expiresIn?: number;
  now?: () => number;
}

export class FakeOAuth {
  readonly refreshTokens = new Set<string>();
  private readonly access = new Map<string, number>();
  grants = 0;

  constructor(private readonly opts: OAuthOptions) {
    this.refreshTokens.add(opts.refreshToken);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Mint a valid access token directly (for platforms configured with a static token). */
  mint(): string {
    const token = `at_${randomBytes(12).toString('hex')}`;
    this.access.set(token, this.now() + (this.opts.expiresIn ?? 3600) * 1000);
    return token;
  }

  expireAll(): void {
    this.access.clear();
  }

  /** The newest refresh token (after rotation), as the platform would now accept it. */
  currentRefreshToken(): string {
    return [...this.refreshTokens].at(-1)!;
  }

  isValidBearer(headers: Record<string, string>): boolean {
    const m = /^Bearer (\S+)$/.exec(headers['authorization'] ?? '');
    const until = m ? this.access.get(m[1]!) : undefined;
    return until !== undefined && until > this.now();
  }

  handleToken(req: FakeRequest): FakeReply {
    if (req.method !== 'POST')
      return { status: 405, body: { error: 'invalid_request', error_description: 'POST only' } };
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      return { status: 400, body: { error: 'invalid_request', error_description: 'form-encoded body required' } };
    const form = new URLSearchParams(req.text);
    if (form.get('grant_type') !== 'refresh_token')
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'grant_type must be refresh_token' },
      };
    if (form.get('client_id') !== this.opts.clientId || form.get('client_secret') !== this.opts.clientSecret)
      return { status: 401, body: { error: 'invalid_client', error_description: 'The OAuth client was not found.' } };
    const refresh = form.get('refresh_token') ?? '';
    if (!this.refreshTokens.has(refresh))
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } };
    const scope = form.get('scope');
    if (scope && this.opts.scope && !scope.split(' ').includes(this.opts.scope))
      return {
        status: 400,
        body: { error: 'invalid_scope', error_description: `scope must include ${this.opts.scope}` },
      };
    this.grants++;
    const body: Record<string, unknown> = {
      access_token: this.mint(),
      expires_in: this.opts.expiresIn ?? 3600,
      token_type: 'Bearer',
      ...(this.opts.scope ? { scope: this.opts.scope } : {}),
    };
    if (this.opts.rotate) {
      const next = `rt_${randomBytes(12).toString('hex')}`;
      this.refreshTokens.delete(refresh);
      this.refreshTokens.add(next);
      body.refresh_token = next;
    }
    return { status: 200, body };
  }
}
