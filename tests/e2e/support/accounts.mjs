// What the sign-in tests share (account.spec.mjs, sign-in.spec.mjs): the real OpenID provider of
// ./oidc-provider.mjs, the key server behind a recording front accepting it as "Test ID", the
// browser engine of WAXSEAL_BROWSER, the message they seal, and the checks of that message.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startProvider } from './oidc.mjs';
import { freePort, startStack } from './stack.mjs';
import { launch, root, tid } from './browsers.mjs';
import { Screens } from './screens.mjs';

export const SECRET_LINE = 'The gate code is 5521-Heron.';
export const ATTACHMENT = 'day,from,to\n1,Aarhus,Suzhou\n9,Suzhou,Aarhus\n';
export const SENDER = 'Acme Bank <notices@acme.example>';
/** The provider's login form (not its other forms). */
export const LOGIN_FORM = 'form:has(input[name="prompt"][value="login"])';
const SEAL_PNG = join(root, 'crates/cli/assets/seal.png');

/**
 * Starts the provider, the key server (behind a recording front) with the provider as "Test ID",
 * and the engine, and writes the message's files. Resolves with `{ provider, stack, engine,
 * seal(to), stop() }`: `seal` seals the message (an HTML body, an inline image, an attachment)
 * for `to`; `stop` stops everything, even if one part fails to stop.
 */
export async function startSignIn() {
  // The provider must know the redirect URI, so the key server's port is chosen first.
  const port = await freePort();
  const provider = await startProvider({ redirectUris: [`http://127.0.0.1:${port}/signed-in.html`] });
  let stack;
  let engine;
  const stop = async () => {
    // A process left running keeps the test file from ending.
    const stopped = await Promise.allSettled([engine?.close(), stack?.stop(), provider.stop()]);
    for (const s of stopped) if (s.status === 'rejected') throw s.reason;
  };
  try {
    stack = await startStack({
      port,
      front: true,
      extraConfig: ['[[sign_in]]', 'id = "test"', 'name = "Test ID"', `issuer = "${provider.issuer}"`, 'client_id = "waxseal-viewer"', ''].join('\n'),
    });
    engine = await launch();
    await writeFile(join(stack.dir, 'letter.html'), `<h1>Your statement</h1><p>${SECRET_LINE}</p><p><img src="cid:seal.png" alt="A red wax seal"></p>`);
    await writeFile(join(stack.dir, 'letter.txt'), SECRET_LINE);
    await writeFile(join(stack.dir, 'trip.csv'), ATTACHMENT);
    await writeFile(join(stack.dir, 'seal.png'), await readFile(SEAL_PNG));
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  const seal = (to = 'alice@example.com') =>
    stack.seal([
      '--from', SENDER, '--to', to, '--subject', 'Your statement',
      '--html', 'letter.html', '--text', 'letter.txt', '--inline', 'seal.png', '--attach', 'trip.csv',
    ]);
  return { provider, stack, engine, seal, stop };
}

/** Signs in as `login` (any password) on the login page of the provider at `issuer`, shown in
 * `page` (a window of its own or the popup the viewer opened), and submits the form. */
export async function logIn(page, issuer, login) {
  await page.waitFor(`${LOGIN_FORM} input[name="login"]`, { timeout: 30_000 });
  assert.equal(new URL(await page.url()).origin, issuer, "the page is the provider's");
  await page.fill(`${LOGIN_FORM} input[name="login"]`, login);
  await page.fill(`${LOGIN_FORM} input[name="password"]`, 'any password');
  assert.deepEqual(
    await page.evaluate((form) => [...document.querySelectorAll(`${form} input:not([type=hidden])`)].map((i) => i.value), LOGIN_FORM),
    [login, 'any password'],
    'the login form holds what was typed',
  );
  await page.click(`${LOGIN_FORM} button[type="submit"]`);
}

/** Clicks "Sign in with Test ID" in `page` and signs in as `login` on the page of the provider
 * at `issuer` in the popup, which the viewer closes once it has the answer; resolves once `until`
 * shows (the message, or a failure). */
export async function signInWithTestId(page, issuer, login, until = `${tid('message')}, ${tid('failure')}`) {
  const popup = await page.popup(() => page.click('button[data-provider="test"]'));
  await logIn(popup, issuer, login);
  // The popup leaves the provider for the viewer's callback page, which hands the answer to the
  // viewer and closes the popup; if the message does not come, the popup's state says why.
  try {
    await page.waitFor(until, { timeout: 60_000 });
  } catch (e) {
    const state = await popup.evaluate(() => `${location.href}: ${document.body.innerText.slice(0, 300)}`).catch((x) => `gone (${x.message})`);
    throw new Error(`${e.message}\nthe popup: ${state}`);
  }
}

/** Waits for the message alice was sent and checks it: its body, inline image and attachment,
 * byte for byte. */
export async function assertMessage(page) {
  await new Screens(page).waitForMessage();
  assert.equal(await page.text(tid('subject')), 'Your statement');
  assert.equal(await page.text(tid('to')), 'alice@example.com');
  const body = await page.frame(tid('html-body'));
  await body.waitFor('h1');
  assert.equal(await body.text('p'), SECRET_LINE);
  const inline = await body.attr('img[alt="A red wax seal"]', 'src');
  assert.deepEqual(Buffer.from(inline.split(',')[1], 'base64'), await readFile(SEAL_PNG));
  const download = await page.download(tid('attachment-download'));
  assert.equal(download.name, 'trip.csv');
  assert.equal(download.bytes.toString('utf8'), ATTACHMENT);
}
