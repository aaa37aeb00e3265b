// Passkeys for the recipient's address, against the real product in Chromium with a virtual
// authenticator (DevTools `WebAuthn.addVirtualAuthenticator`: a real WebAuthn ceremony in the
// browser, checked by the key server; no mocks). The key server runs with `[passkeys]` on, at
// http://localhost (WebAuthn accepts no IP address as a relying party).
//
// The journey: a message opened with a passcode on the viewer's page offers a passkey; it is
// added; a second message to the same address opens with the passkey and no mail is sent; the
// message.html of that message, opened from a file, says where the passkey works instead of
// offering it; a browser without an authenticator that verifies its user is told why none is
// offered; an assertion captured from one tab releases nothing to another; "Forget this device"
// removes it, and the key server then refuses it. Accessibility scans and screenshots
// (artifacts/screenshots/passkey-*.png) of each screen.
//
// Needs dist/, target/debug/waxseal and waxseal-server, the Python venv with aiosmtpd and the npm
// packages; scripts/test.sh prepares all of them.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startStack } from './support/stack.mjs';
import { Viewer, addPlatformAuthenticator, assertAccessible, launchChromium, passcodeFrom, shot, usageReport, watchProblems } from './support/viewer.mjs';

const BOB = 'bob@example.net';
const SECRET_LINE = 'The locker code is 3390-Wren.';

let stack;
let browser;

before(async () => {
  stack = await startStack({ host: 'localhost', extraConfig: '[passkeys]\nenabled = true\n' });
  browser = await launchChromium();
  await writeFile(join(stack.dir, 'letter.txt'), SECRET_LINE);
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

function seal(subject) {
  return stack.seal(['--from', 'Acme Bank <notices@acme.example>', '--to', BOB, '--subject', subject, '--text', 'letter.txt']);
}

/** A tab on the viewer's own page with a virtual platform authenticator (or none). */
async function newTab({ authenticator = true } = {}) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const id = authenticator ? await addPlatformAuthenticator(cdp) : undefined;
  const requests = [];
  page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  return {
    context,
    page,
    viewer: new Viewer(page),
    requests,
    problems: watchProblems(page),
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId: id })).credentials,
  };
}

/** Opens `sealed` on the viewer's own page, picked from a file. */
function pick(tab, sealed) {
  return tab.viewer.pick(stack.url, sealed.path);
}

async function openWithPasscode(tab) {
  await tab.viewer.askForPasscode();
  const { code } = passcodeFrom(await stack.nextMail());
  await tab.viewer.typePasscode(code);
  await tab.viewer.message.waitFor();
}

test('a passkey added after a passcode opens the next message with no mail; forgotten, it is refused', async () => {
  const tab = await newTab();
  const { page, viewer } = tab;
  try {
    // First message: the passcode, then the offer, never preselected.
    const first = await seal('Statement 1');
    await pick(tab, first);
    assert.equal(await page.getByTestId('open-with-passkey').count(), 0, 'no passkey yet');
    await openWithPasscode(tab);
    const panel = page.getByTestId('passkey-panel');
    await panel.waitFor();
    assert.equal(await panel.locator('h2').textContent(), `Use a passkey next time for ${BOB}`);
    assert.match(await panel.locator('p').textContent(), /^A passkey lets this device open later messages to this address with your fingerprint, face or screen lock instead of a passcode mail; the key server keeps only its public key\.$/);
    assert.equal(await page.locator('input[type=checkbox]').count(), 0, 'nothing is preselected');
    assert.deepEqual(await tab.credentials(), [], 'nothing was made before the click');
    await shot(page, 'passkey-1-offer');
    await assertAccessible(page, 'the offer of a passkey');
    await page.getByTestId('add-passkey').click();
    await page.getByTestId('passkey-added').waitFor();
    assert.equal(await page.getByTestId('passkey-added').textContent(), 'Passkey added. Next time, choose “Open with your passkey”.');
    const [credential] = await tab.credentials();
    assert.equal(credential.rpId, 'localhost');
    assert.equal(credential.isResidentCredential, false);
    await shot(page, 'passkey-2-added');
    const { stdout: firstStatus } = await stack.waxseal(['status', first.id]);
    assert.match(firstStatus, /passkey added +bob@example\.net/);

    // Second message: the passkey alone, no passcode mail.
    const second = await seal('Statement 2');
    await pick(tab, second);
    const button = page.getByTestId('open-with-passkey');
    await button.waitFor();
    assert.equal(await button.textContent(), 'Open with your passkey');
    await shot(page, 'passkey-3-summary');
    await assertAccessible(page, 'the summary with the passkey button');
    const mailsBefore = stack.mailsReceived();
    tab.requests.length = 0;
    const report = usageReport(page);
    await button.click();
    await viewer.message.waitFor();
    await report;
    assert.equal(await page.getByTestId('text-body').textContent(), SECRET_LINE);
    assert.equal(await page.getByTestId('passkey-used').textContent(), 'Opened with your passkey.');
    assert.deepEqual(
      tab.requests.filter((r) => r.includes('/v1/')),
      [
        `POST /v1/messages/${second.id}/passkeys/challenge`,
        `POST /v1/messages/${second.id}/passkeys/verify`,
        `POST /v1/messages/${second.id}/release`,
        'POST /v1/usage',
      ],
    );
    assert.equal(stack.mailsReceived(), mailsBefore, 'a mail was sent');
    const { stdout: secondStatus } = await stack.waxseal(['status', second.id]);
    assert.match(secondStatus, /verified \(passkey\) +bob@example\.net/);
    assert.doesNotMatch(secondStatus, /passcode sent/);
    await shot(page, 'passkey-4-opened');
    await assertAccessible(page, 'a message opened with a passkey');

    // The same message's file opened from disk: no origin WebAuthn accepts, so it says where.
    const fromDisk = await browser.newPage();
    await fromDisk.goto(pathToFileURL(second.path).href);
    const elsewhere = fromDisk.getByTestId('passkey-elsewhere');
    await elsewhere.waitFor();
    assert.equal(
      await elsewhere.textContent(),
      `You have a passkey for ${BOB}. It works on the viewer’s own page (${new URL(stack.url).host}), not in a file opened from this computer: open the message there to use it.`,
    );
    assert.equal(await fromDisk.getByTestId('open-with-passkey').count(), 0);
    await shot(fromDisk, 'passkey-5-from-disk');
    await assertAccessible(fromDisk, 'a message.html from disk for an address with a passkey');
    await fromDisk.close();

    // Forget this device: the key server removes it, and says how to remove it from the device.
    await page.getByTestId('forget-passkey').click();
    await page.getByTestId('passkey-forgotten').waitFor();
    assert.equal(
      await page.getByTestId('passkey-forgotten').textContent(),
      'The key server no longer accepts this passkey. To remove it from this device too, delete the passkey for localhost in your browser’s or system’s password and passkey settings.',
    );
    await shot(page, 'passkey-6-forgotten');
    const third = await seal('Statement 3');
    await pick(tab, third);
    await page.getByTestId('send-passcode').waitFor();
    assert.equal(await page.getByTestId('open-with-passkey').count(), 0, 'a forgotten passkey is not offered');
    assert.deepEqual(tab.problems, { pageErrors: [], consoleErrors: [], failedRequests: [] });
    // Asked anyway, the key server refuses: it has no passkey for the address.
    const refused = await page.evaluate(async ([url, id, recipient]) => {
      const r = await fetch(`${url}/v1/messages/${id}/passkeys/challenge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ recipient, public_key: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
      });
      return [r.status, (await r.json()).type];
    }, [stack.url, third.id, BOB]);
    assert.deepEqual(refused, [404, 'urn:waxseal:problem:no-passkey']);
    assert.equal((await tab.credentials()).length, 1, 'the device keeps it until the person deletes it there');
  } finally {
    await tab.context.close();
  }
});

test("an assertion captured from one tab releases nothing to another", async () => {
  const owner = await newTab();
  try {
    const first = await seal('Statement 4');
    await pick(owner, first);
    await openWithPasscode(owner);
    await owner.page.getByTestId('add-passkey').click();
    await owner.page.getByTestId('passkey-added').waitFor();

    // The owner's tab signs a challenge; its verify request is captured and stopped.
    const second = await seal('Statement 5');
    await pick(owner, second);
    let captured;
    await owner.page.route('**/passkeys/verify', async (route) => {
      captured = route.request().postDataJSON();
      await route.abort();
    });
    await owner.page.getByTestId('open-with-passkey').click();
    await owner.viewer.failure.waitFor();
    assert.ok(captured?.credential?.response?.signature, 'an assertion was captured');

    // Another tab sends it with its own key: refused. Sent as it was, it gives a token bound to
    // the owner's key, which the other tab cannot use.
    const thief = await browser.newPage();
    await thief.goto(`${stack.url}/`);
    const answers = await thief.evaluate(async ([url, id, body]) => {
      const key = crypto.getRandomValues(new Uint8Array(32));
      const own = btoa(String.fromCharCode(...key)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const post = async (path, payload, token) => {
        const r = await fetch(`${url}/v1/messages/${id}/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(payload),
        });
        return [r.status, await r.json()];
      };
      const [mine] = [await post('passkeys/verify', { ...body, public_key: own })];
      const verbatim = await post('passkeys/verify', body);
      const release = await post('release', { public_key: own }, verbatim[1].token);
      return { mine: [mine[0], mine[1].type], verbatim: verbatim[0], release: [release[0], release[1].type] };
    }, [stack.url, second.id, captured]);
    assert.deepEqual(answers, {
      mine: [403, 'urn:waxseal:problem:key-mismatch'],
      verbatim: 200,
      release: [403, 'urn:waxseal:problem:key-mismatch'],
    });
    await thief.close();
  } finally {
    await owner.context.close();
  }
});

test('a browser without an authenticator that verifies its user is told why no passkey is offered', async () => {
  const tab = await newTab({ authenticator: false });
  try {
    await pick(tab, await seal('Statement 6'));
    await openWithPasscode(tab);
    const panel = tab.page.getByTestId('passkey-panel');
    await panel.waitFor();
    assert.equal(
      await panel.textContent(),
      'Passkeys are not offered here: this browser cannot use them, or has no built-in way to check it is you (fingerprint, face or screen lock).',
    );
    assert.equal(await tab.page.getByTestId('add-passkey').count(), 0);
    await shot(tab.page, 'passkey-7-unsupported');
  } finally {
    await tab.context.close();
  }
});
