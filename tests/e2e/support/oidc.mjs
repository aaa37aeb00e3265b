// A real OpenID Connect provider for the browser tests (./oidc-provider.mjs, run as a child
// process) and helpers to sign in on its login page and to get ID Tokens from it the way a
// relying party does: Authorization Code with PKCE through a real browser.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const PROGRAM = fileURLToPath(new URL('./oidc-provider.mjs', import.meta.url));

/**
 * The redirect URI of `idToken`. Nothing needs to listen there: the authorization response is
 * read from the browser's request. (`page.route` cannot catch it: Playwright lets the requests of
 * a redirect chain go to the network without routing them, and this one ends a chain of 303s.)
 */
export const CALLBACK = 'http://127.0.0.1/callback';

// The library's start-up notices about its development-only parts, printed at every start.
const NOTICE = /oidc-provider WARNING: a quick start development-only/;

/**
 * Starts the provider (options: `redirectUris`, `clockOffset` in seconds, `port`; see
 * ./oidc-provider.mjs) and resolves with `{ issuer, port, requests, stop }` once it accepts
 * connections. `requests` grows with every request the provider answers: `{ method, url, origin,
 * form }` (./oidc-provider.mjs). `stop()` closes its stdin and resolves when it has exited.
 */
export async function startProvider(options = {}) {
  const child = spawn(process.execPath, [PROGRAM, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  child.stdin.on('error', () => {}); // it may be gone already when stop() closes its stdin
  const errors = [];
  const requests = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (NOTICE.test(line)) return;
    errors.push(line);
    process.stderr.write(`oidc-provider: ${line}\n`);
  });
  try {
    const port = await new Promise((ready, fail) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const match = /^LISTENING (\d+)$/.exec(line);
        if (match) ready(Number(match[1]));
        else if (line.startsWith('REQUEST ')) requests.push(JSON.parse(line.slice('REQUEST '.length)));
      });
      child.once('error', fail);
      exited.then(({ code, signal }) =>
        fail(new Error(`the OpenID provider exited before it was ready (${signal ?? `code ${code}`}):\n${errors.join('\n')}`)),
      );
    });
    return {
      issuer: `http://127.0.0.1:${port}`,
      port,
      requests,
      async stop() {
        child.stdin.end();
        return exited;
      },
    };
  } catch (e) {
    // A half-started provider must not keep the test process alive.
    child.kill('SIGKILL');
    throw e;
  }
}

/**
 * Signs in on the provider's login page: navigates `page` to `authorizationUrl` (unless it is
 * undefined, for a page or popup already on its way there), fills in `login` and `password`,
 * submits, and passes a consent page if one comes. Resolves with the URL of the first navigation
 * that leaves the provider (the redirect URI with the authorization response), with the URL of a
 * provider page that is neither a login nor a consent page (its error page), or with `null` if
 * the page closed.
 *
 * It watches navigation requests rather than loaded pages: the redirect to the relying party is
 * seen even when nothing answers there, or when a popup closes itself right after it.
 */
export async function signIn(page, authorizationUrl, login, { password = 'any password' } = {}) {
  if (authorizationUrl !== undefined) await page.goto(authorizationUrl);
  const form = page.locator('form:has(input[name="prompt"][value="login"])');
  await form.locator('input[name="login"]').fill(login);
  await form.locator('input[name="password"]').fill(password);
  const provider = new URL(page.url()).origin;

  let submit = form.locator('button[type="submit"]');
  for (let round = 0; ; round++) {
    const next = nextStep(page, provider);
    await submit.click().catch((e) => {
      if (!page.isClosed()) throw e;
    });
    const step = await next;
    if (step.closed) return null;
    if (step.left) return step.left;

    await page.waitForLoadState('domcontentloaded');
    const prompts = await page.locator('form input[name="prompt"]').evaluateAll((inputs) => inputs.map((i) => i.value));
    if (prompts.length === 0) return step.shown;
    if (!prompts.includes('consent') || round > 0) {
      throw new Error(`the provider asked again for "${prompts.join(', ')}" after the sign-in of ${login}`);
    }
    submit = page.locator('form:has(input[name="prompt"][value="consent"]) button[type="submit"]');
  }
}

/**
 * What the page does next: `{ left: url }` when a navigation leaves the provider's origin,
 * `{ shown: url }` when a page of the provider is shown, `{ closed: true }`.
 */
function nextStep(page, provider) {
  return new Promise((resolveStep) => {
    const done = (step) => {
      page.off('request', onRequest);
      page.off('framenavigated', onNavigated);
      page.off('close', onClose);
      resolveStep(step);
    };
    const onRequest = (request) => {
      if (request.isNavigationRequest() && request.frame() === page.mainFrame() && new URL(request.url()).origin !== provider) {
        done({ left: request.url() });
      }
    };
    const onNavigated = (frame) => {
      if (frame !== page.mainFrame()) return;
      const url = frame.url();
      done(new URL(url).origin === provider ? { shown: url } : { left: url });
    };
    const onClose = () => done({ closed: true });
    page.on('request', onRequest);
    page.on('framenavigated', onNavigated);
    page.on('close', onClose);
  });
}

const base64url = (bytes) => Buffer.from(bytes).toString('base64url');

/** An error response of the authorization endpoint or of the token endpoint. */
export class OidcError extends Error {
  constructor(where, { error, error_description: description }) {
    super(`${where}: ${error}${description ? ` (${description})` : ''}`);
    this.name = 'OidcError';
    this.error = error;
    this.description = description;
  }
}

/**
 * Gets an ID Token the way a relying party does: Authorization Code with PKCE (S256) in a fresh
 * context of `browser`, signing in as `login` on the provider's login page, then the token
 * request. Resolves with the raw `id_token` (a JWT); rejects with an `OidcError` when the
 * provider answers with an error (e.g. `access_denied` for an unknown login).
 */
export async function idToken(browser, issuer, { clientId = 'waxseal-viewer', login, nonce = base64url(randomBytes(16)), password } = {}) {
  const discovery = await (await fetch(new URL('/.well-known/openid-configuration', issuer))).json();
  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(16));
  const authorization = new URL(discovery.authorization_endpoint);
  for (const [name, value] of Object.entries({
    client_id: clientId,
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  })) {
    authorization.searchParams.set(name, value);
  }

  const context = await browser.newContext();
  let landed;
  try {
    const page = await context.newPage();
    landed = await signIn(page, authorization.href, login, password === undefined ? {} : { password });
    if (landed === null || !landed.startsWith(`${CALLBACK}?`)) {
      const text = landed === null ? '' : await page.locator('body').innerText();
      throw new Error(`the sign-in of ${login} ended on ${landed} instead of ${CALLBACK}:\n${text}`);
    }
  } finally {
    await context.close();
  }

  const response = new URL(landed).searchParams;
  if (response.get('state') !== state) throw new Error(`the authorization response's state is ${response.get('state')}, not ${state}`);
  if (response.has('iss') && response.get('iss') !== issuer) throw new Error(`the authorization response's iss is ${response.get('iss')}`);
  if (response.has('error')) throw new OidcError('authorization', Object.fromEntries(response));

  const answer = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: response.get('code'),
      redirect_uri: CALLBACK,
      client_id: clientId,
      code_verifier: verifier,
    }),
  });
  const tokens = await answer.json();
  if (!answer.ok) throw new OidcError('token', tokens);
  return tokens.id_token;
}

/** The payload of a JWT, decoded without checking its signature. */
export function jwtPayload(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}
