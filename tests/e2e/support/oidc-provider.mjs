// A real OpenID Connect provider for the end-to-end tests (npm `oidc-provider`, an OpenID
// Certified implementation), on plain http on 127.0.0.1. Run as a child process (see ./oidc.mjs):
//
//   node tests/e2e/support/oidc-provider.mjs '{"redirectUris": [...], "clockOffset": -7200, "port": 0}'
//
// Prints `LISTENING <port>` once it accepts connections; the issuer is `http://127.0.0.1:<port>`.
// Then one `REQUEST {json}` line for every request it answered (below). Runs until stdin closes.
//
// Options (one JSON argument, all optional):
//   redirectUris  extra redirect URIs of both clients (http or https; exact match)
//   clockOffset   seconds the provider's clock runs off the real one, so that a test can get a
//                 genuinely issued token that has already expired (e.g. -7200)
//   port          port to listen on (default 0: any free port)
//
// Clients, both public (no secret), Authorization Code with PKCE S256 required, response type
// `code`, redirect URIs `http://127.0.0.1/callback` plus the given ones; the token endpoint
// answers CORS requests from any origin, the `null` origin of file:// pages included:
//   waxseal-viewer  the viewer
//   other-app       another relying party, for tokens meant for another audience
//
// Accounts (any non-empty password; any other login is refused with `access_denied`):
//   alice  alice@example.com        verified
//   bob    bob@example.com          not verified
//   carol  carol@example.org        verified
//   dave   Dave.Smith@Example.COM   verified (mixed case)
//
// The login page is oidc-provider's own development login form. There is no consent page: both
// clients are first-party, so a grant of the requested scopes is made when the user has signed in.
// ID Tokens carry `email`, `email_verified` and `name` themselves (not only the userinfo
// endpoint). They are signed with RS256 by a key made at start-up, published in the JWKS.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const options = JSON.parse(process.argv[2] ?? '{}');
const redirectUris = options.redirectUris ?? [];
const clockOffset = Number(options.clockOffset ?? 0);
const listenPort = Number(options.port ?? 0);

// The provider's clock, set before oidc-provider is loaded so that all of it reads the same time.
if (clockOffset !== 0) {
  const realNow = Date.now;
  Date.now = () => realNow() + clockOffset * 1000;
}
// stdout carries only `LISTENING` and `REQUEST` lines: the library's notices (console.info) go to
// stderr.
console.info = console.error;
const { default: Provider } = await import('oidc-provider');

const ACCOUNTS = {
  alice: { email: 'alice@example.com', email_verified: true, name: 'Alice Example' },
  bob: { email: 'bob@example.com', email_verified: false, name: 'Bob Example' },
  carol: { email: 'carol@example.org', email_verified: true, name: 'Carol Example' },
  dave: { email: 'Dave.Smith@Example.COM', email_verified: true, name: 'Dave Smith' },
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };

const client = (clientId) => ({
  client_id: clientId,
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  redirect_uris: ['http://127.0.0.1/callback', ...redirectUris],
});

// Browsers drop cookies whose lifetime (counted on the provider's clock) has already ended on
// theirs: with the clock behind, the sign-in cookies live that much longer.
const behind = Math.max(0, -clockOffset);

const server = createServer();
await new Promise((listening, fail) => {
  server.once('error', fail);
  server.listen(listenPort, '127.0.0.1', listening);
});
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [client('waxseal-viewer'), client('other-app')],
  pkce: { methods: ['S256'], required: () => true },
  responseTypes: ['code'],
  scopes: ['openid'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false,
  jwks: { keys: [signingKey] },
  enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
  clientBasedCORS: () => true,
  features: { devInteractions: { enabled: true } },
  // Plain http: no `Secure`, so no `SameSite=None` either (Chromium drops such cookies); every
  // cookie is used by top-level navigations to the provider itself, which Lax allows.
  cookies: {
    keys: [randomBytes(32).toString('hex')],
    long: { httpOnly: true, sameSite: 'lax', signed: true },
    short: { httpOnly: true, sameSite: 'lax', signed: true },
  },
  ttl: {
    AuthorizationCode: 60,
    IdToken: 3600,
    AccessToken: 3600,
    Interaction: 3600 + behind,
    Session: 14 * 24 * 3600 + behind,
    Grant: 14 * 24 * 3600 + behind,
  },
  // The error page, without the default one's web font: `error` and `error_description` as text.
  async renderError(ctx, out) {
    ctx.type = 'html';
    const text = (v) => String(v).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head>`
      + `<body><h1>Sign-in error</h1>${Object.entries(out).map(([k, v]) => `<p id="${text(k)}">${text(v)}</p>`).join('')}</body></html>`;
  },
  async findAccount(ctx, sub) {
    if (!Object.hasOwn(ACCOUNTS, sub)) return undefined;
    return { accountId: sub, claims: () => ({ sub, ...ACCOUNTS[sub] }) };
  },
  // First-party clients: no consent page, the signed-in user grants what was asked for.
  async loadExistingGrant(ctx) {
    const { oidc } = ctx;
    const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    if (grantId) return oidc.provider.Grant.find(grantId);
    if (!oidc.session.accountId) return undefined;
    const grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
    grant.addOIDCScope(oidc.params.scope ?? 'openid');
    await grant.save();
    return grant;
  },
});

// Every request the provider answered, as one line on stdout once it is answered:
// `REQUEST {"method", "url" (path and query), "origin" (the Origin header, or null), "form" (the
// parameters of a form the provider read, such as the token request's)}`. ./oidc.mjs collects them
// in `requests`, so that a test can check what a browser sent to the provider in every engine.
provider.use(async (ctx, next) => {
  await next();
  const form = ctx.method === 'POST' && ctx.oidc?.body ? { ...ctx.oidc.body } : null;
  const request = { method: ctx.method, url: ctx.originalUrl, origin: ctx.get('origin') || null, form };
  console.log(`REQUEST ${JSON.stringify(request)}`);
});

// The development login form accepts any login; this checks it against the accounts first and
// ends the authorization with `access_denied` for an unknown one.
provider.use(async (ctx, next) => {
  if (ctx.method !== 'POST' || !/^\/interaction\/[^/]+$/.test(ctx.path)) return next();
  const interaction = await provider.interactionDetails(ctx.req, ctx.res).catch(() => undefined);
  // No interaction (e.g. expired): the library answers with its own error.
  if (interaction?.prompt.name !== 'login') return next();
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  const login = form.get('login') ?? '';
  const result = Object.hasOwn(ACCOUNTS, login) && form.get('password')
    ? { login: { accountId: login } }
    : { error: 'access_denied', error_description: 'unknown login or wrong password' };
  ctx.set('cache-control', 'no-store');
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.respond = false;
});

// The library's pages load a web font from fonts.googleapis.com; the tests stay on loopback.
provider.use(async (ctx, next) => {
  await next();
  if (typeof ctx.body === 'string' && ctx.response.is('html')) {
    ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);?/g, '');
  }
});

provider.on('server_error', (ctx, err) => console.error('oidc-provider: server_error', err));

// The library checks the clients' metadata when it first looks one up: do it now, so that a
// wrong redirect URI stops the start-up instead of failing a sign-in later.
for (const clientId of ['waxseal-viewer', 'other-app']) {
  await provider.Client.find(clientId).catch((e) => {
    console.error(`client ${clientId}: ${e.message}${e.error_description ? `: ${e.error_description}` : ''}`);
    process.exit(1);
  });
}

server.on('request', provider.callback());
console.log(`LISTENING ${port}`);

process.stdin.resume();
process.stdin.on('close', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
