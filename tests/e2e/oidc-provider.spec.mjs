// The OpenID provider of the browser tests (support/oidc-provider.mjs) and its helpers
// (support/oidc.mjs): discovery, keys, the ID Tokens it issues through its real login page in
// headless Chromium, refused logins, a clock set back, and CORS for the viewer's file:// pages.
//
// Run: node --test tests/e2e/oidc-provider.spec.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { idToken, jwtPayload, startProvider } from './support/oidc.mjs';
import { launchChromium } from './support/viewer.mjs';

let browser;
let provider;
let late;

before(async () => {
  browser = await launchChromium();
  [provider, late] = await Promise.all([
    startProvider({ redirectUris: ['http://127.0.0.1:1234/signed-in.html'] }),
    startProvider({ clockOffset: -7200 }),
  ]);
});

after(async () => {
  await Promise.all([provider?.stop(), late?.stop(), browser?.close()]);
});

const discovery = async (issuer) => (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
const now = () => Math.floor(Date.now() / 1000);

test('discovery names the issuer and the JWKS holds one RS256 key', async () => {
  const meta = await discovery(provider.issuer);
  assert.equal(meta.issuer, provider.issuer);
  assert.equal(provider.issuer, `http://127.0.0.1:${provider.port}`);
  assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  assert.deepEqual(meta.id_token_signing_alg_values_supported, ['RS256']);
  const { keys } = await (await fetch(meta.jwks_uri)).json();
  assert.equal(keys.length, 1);
  assert.equal(keys[0].kty, 'RSA');
  assert.equal(keys[0].alg, 'RS256');
  assert.equal(keys[0].use, 'sig');
  assert.equal(keys[0].d, undefined, 'the JWKS publishes no private part');
});

test("alice's ID Token names her verified address", async () => {
  const nonce = 'n-alice-0001';
  const token = await idToken(browser, provider.issuer, { login: 'alice', nonce });
  const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
  const claims = jwtPayload(token);
  assert.equal(header.alg, 'RS256');
  assert.equal(claims.iss, provider.issuer);
  assert.equal(claims.aud, 'waxseal-viewer');
  assert.equal(claims.sub, 'alice');
  assert.equal(claims.nonce, nonce);
  assert.equal(claims.email, 'alice@example.com');
  assert.equal(claims.email_verified, true);
  assert.equal(claims.name, 'Alice Example');
  assert.ok(claims.exp > now() && claims.iat <= now() + 1, `exp ${claims.exp}, iat ${claims.iat}, now ${now()}`);
});

test("bob's address is not verified, dave's keeps its case", async () => {
  const [bob, dave] = await Promise.all([
    idToken(browser, provider.issuer, { login: 'bob' }),
    idToken(browser, provider.issuer, { login: 'dave' }),
  ]);
  assert.equal(jwtPayload(bob).email, 'bob@example.com');
  assert.equal(jwtPayload(bob).email_verified, false);
  assert.equal(jwtPayload(dave).email, 'Dave.Smith@Example.COM');
  assert.equal(jwtPayload(dave).email_verified, true);
});

test('a token for another client has that audience', async () => {
  const claims = jwtPayload(await idToken(browser, provider.issuer, { clientId: 'other-app', login: 'carol' }));
  assert.equal(claims.aud, 'other-app');
  assert.equal(claims.email, 'carol@example.org');
});

test('an unknown login is refused with access_denied', async () => {
  await assert.rejects(idToken(browser, provider.issuer, { login: 'mallory' }), {
    name: 'OidcError',
    error: 'access_denied',
    description: 'unknown login or wrong password',
  });
});

test('a provider whose clock is two hours behind issues an already expired token', async () => {
  const claims = jwtPayload(await idToken(browser, late.issuer, { login: 'alice' }));
  assert.equal(claims.iss, late.issuer);
  assert.ok(claims.exp < now() - 3000, `exp ${claims.exp} is not an hour in the past (now ${now()})`);
  assert.ok(Math.abs(claims.iat - (now() - 7200)) < 60, `iat ${claims.iat}, now ${now()}`);
});

test('the token endpoint answers pages of any origin, file:// (origin null) included', async () => {
  const { token_endpoint: endpoint } = await discovery(provider.issuer);

  const preflight = await fetch(endpoint, {
    method: 'OPTIONS',
    headers: { origin: 'null', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), 'null');
  assert.match(preflight.headers.get('access-control-allow-methods'), /\bPOST\b/);

  // A real file:// page: the browser sends `Origin: null` and lets the page read the answer only
  // if the provider allows that origin.
  const dir = await mkdtemp(join(tmpdir(), 'waxseal-oidc-'));
  const context = await browser.newContext();
  try {
    await writeFile(join(dir, 'page.html'), '<!DOCTYPE html><title>file page</title>');
    const page = await context.newPage();
    await page.goto(pathToFileURL(join(dir, 'page.html')).href);
    const exchange = {
      grant_type: 'authorization_code',
      code: 'not-a-code',
      client_id: 'waxseal-viewer',
      redirect_uri: 'http://127.0.0.1/callback',
      code_verifier: 'x'.repeat(43),
    };
    const [response, answers] = await Promise.all([
      page.waitForResponse((r) => r.url() === endpoint && r.request().method() === 'POST'),
      page.evaluate(
        async ({ url, exchange }) => {
          const read = async (r) => ({ status: r.status, body: await r.json() });
          return {
            // The form a relying party sends: a "simple" request, no preflight.
            form: await read(await fetch(url, { method: 'POST', body: new URLSearchParams(exchange) })),
            // A JSON body needs a preflight first.
            json: await read(
              await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(exchange) }),
            ),
          };
        },
        { url: endpoint, exchange },
      ),
    ]);
    assert.equal((await response.request().allHeaders()).origin, 'null');
    assert.equal((await response.allHeaders())['access-control-allow-origin'], 'null');
    // The page could read both answers, so CORS let them through; the provider only refused them.
    assert.deepEqual(answers.form, {
      status: 400,
      body: { error: 'invalid_grant', error_description: 'grant request is invalid' },
    });
    assert.equal(answers.json.status, 400);
    assert.equal(answers.json.body.error, 'invalid_request');
  } finally {
    await context.close();
    await rm(dir, { recursive: true, force: true });
  }
});
