// Secure reply, end to end against the real product: a message sealed with the `waxseal` CLI
// with the organisation's reply key is opened from file:// in Debian's Chromium with a real
// passcode; the recipient writes a reply with an attachment, which the viewer seals in the page
// and the key server relays through a real SMTP server; `waxseal open-reply` then yields exactly
// what was written, the attachment's bytes, the threading headers and the verified sender (read
// back by Python's own e-mail parser). No request carries the reply's plaintext, and the key
// server's database and logs hold none of it; leaving the page with a draft asks first.
//
// The same after an account sign-in: tests/e2e/sign-in.spec.mjs. The refusals (too large for the
// key server, the reply limit, the organisation's mail server refusing it), a message without a
// reply key, a renewed proof of address and the sealer's integrity run in every engine:
// tests/e2e/viewer.spec.mjs.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readMail, startStack } from './support/stack.mjs';
import { Viewer, assertAccessible, launchChromium, passcodeFrom, shot, watchProblems } from './support/viewer.mjs';

const ORIGINAL_LINE = 'Please confirm the delivery address by Friday.';
const REPLY_LINE = 'Confirmed: Rosenvængets Allé 12, 2100 København Ø — ring twice.';
const SENDER = 'Alice Example <alice@example.com>';
const REPLIES = 'replies@acme.example';

let stack;
let browser;
let replyKey;

before(async () => {
  stack = await startStack();
  browser = await launchChromium();
  replyKey = join(stack.dir, 'reply-key.toml');
  await stack.waxseal(['reply-key', 'new', '--key-id', '2026-11', '--out', replyKey]);
  await writeFile(join(stack.dir, 'letter.txt'), `${ORIGINAL_LINE}\n\nAlice`);
  await writeFile(join(stack.dir, 'letter.html'), `<p>${ORIGINAL_LINE}</p><p>Alice</p>`);
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A message to bob@example.net that takes secure replies to REPLIES. */
function seal(extra = []) {
  return stack.seal([
    '--from', SENDER, '--to', 'Bob Jensen <bob@example.net>', '--subject', 'Delivery',
    '--text', 'letter.txt', '--html', 'letter.html',
    '--reply-to', REPLIES, '--reply-key', replyKey, ...extra,
  ]);
}

async function newPage({ viewport = { width: 1024, height: 800 }, colorScheme = 'light', locale = 'en-US' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, locale, acceptDownloads: true });
  const page = await context.newPage();
  return { context, page, viewer: new Viewer(page) };
}

/** Opens `path` from disk and proves the address with a real passcode. */
async function openWithPasscode(page, viewer, path) {
  await page.goto(pathToFileURL(path).href);
  await viewer.waitForSummary();
  await viewer.askForPasscode();
  const { code } = passcodeFrom(await stack.nextMail());
  await viewer.typePasscode(code);
  await viewer.message.waitFor({ timeout: 30_000 });
}

/** Opens a relay mail with the organisation's reply key. */
const openRelayed = (raw, name) => stack.openReply(raw, name, replyKey);

test('reply with text and an attachment from a message.html: sealed in the page, relayed, opened by the sender', async () => {
  const sealed = await seal();
  const { context, page, viewer } = await newPage();
  try {
    const problems = watchProblems(page);
    const requests = [];
    context.on('request', (r) => requests.push({ method: r.method(), url: r.url(), body: r.postDataBuffer() ?? Buffer.alloc(0) }));
    await openWithPasscode(page, viewer, sealed.path);
    // The original, saved as the recipient has it: its Message-ID is what the reply threads to.
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-eml').click()]);
    const original = await readMail(await saved.path());
    assert.match(original.message_id, /^<.+@.+>$/);

    await viewer.startReply();
    const compose = page.getByTestId('compose');
    await compose.waitFor();
    assert.equal(await page.getByTestId('reply-from').textContent(), 'bob@example.net');
    assert.equal(await page.getByTestId('reply-to').textContent(), REPLIES);
    assert.equal(await page.getByTestId('reply-subject').textContent(), 'Re: Delivery');
    assert.match(await compose.locator('.reply-note').textContent(), /Only Acme Bank can read it/);
    // The original is quoted below an empty start, where the caret is.
    const text = page.getByTestId('reply-text');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'reply-text');
    const quoted = await text.inputValue();
    assert.match(quoted, /^\n\nOn .+, Alice Example <alice@example\.com> wrote:\n> Please confirm the delivery address by Friday\.\n>\n> Alice\n$/);
    await page.keyboard.type(REPLY_LINE);

    // Two files attached, one removed again; the meter counts what stays.
    const attachment = randomBytes(300_000);
    const extra = Buffer.from('not this one');
    const input = page.getByTestId('reply-file-input');
    await input.setInputFiles([
      { name: 'signed-form.pdf', mimeType: 'application/pdf', buffer: attachment },
      { name: 'draft.txt', mimeType: 'text/plain', buffer: extra },
    ]);
    await page.getByTestId('reply-attachment').nth(1).waitFor();
    assert.deepEqual(
      await page.getByTestId('reply-attachment').locator('.attachment-name').allTextContents(),
      ['signed-form.pdf', 'draft.txt'],
    );
    await page.getByRole('button', { name: 'Remove draft.txt' }).click();
    // The keyboard goes on from "Attach files", not from the top of the page.
    await page.waitForFunction(() => document.activeElement?.dataset.testid === 'reply-attach');
    assert.deepEqual(await page.getByTestId('reply-attachment').locator('.attachment-name').allTextContents(), ['signed-form.pdf']);
    assert.match(await page.getByTestId('reply-attachment').locator('.attachment-meta').textContent(), /^300 kB$/);
    assert.match(await page.getByTestId('reply-size').textContent(), /^4\d\d kB of 26\.2 MB$/);
    await shot(page, 'reply-1-compose');
    await assertAccessible(page, 'the reply form');

    // Leaving with the unsent draft asks first; staying keeps it.
    const asked = new Promise((resolve) => {
      page.once('dialog', async (d) => {
        const type = d.type();
        await d.dismiss();
        resolve(type);
      });
    });
    await page.close({ runBeforeUnload: true });
    assert.equal(await asked, 'beforeunload');
    assert.equal(page.isClosed(), false);
    assert.equal(await text.inputValue(), REPLY_LINE + quoted);

    await page.getByTestId('send-reply').click();
    await page.getByTestId('reply-sent').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('reply-sent-to').textContent(), `Your encrypted reply was sent to ${REPLIES}.`);
    await shot(page, 'reply-2-sent');
    await assertAccessible(page, 'the reply confirmation');

    // The relay mail, as the real SMTP server received it, opened with the organisation's key.
    const raw = await stack.nextMail();
    assert.match(raw, new RegExp(`^To: ${REPLIES}`, 'm'));
    assert.ok(!raw.includes(REPLY_LINE) && !raw.includes('signed-form'), 'the relay mail carries the reply sealed only');
    const opened = await openRelayed(raw, 'reply');
    assert.equal(opened.summary.from, 'bob@example.net');
    // The key server's signed word that it verified the sender, checked by open-reply.
    assert.deepEqual([opened.summary.verified, opened.summary.verified_by], [true, 'passcode']);
    assert.equal(opened.summary.to, REPLIES);
    assert.equal(opened.summary.in_reply_to, sealed.id);
    const reply = await readMail(opened.path);
    assert.equal(reply.from, 'Bob Jensen <bob@example.net>');
    assert.equal(reply.to, REPLIES);
    assert.equal(reply.subject, 'Re: Delivery');
    assert.equal(reply.in_reply_to, original.message_id);
    assert.equal(reply.references, original.message_id);
    assert.equal(reply.text.replace(/\r\n/g, '\n'), REPLY_LINE + quoted);
    assert.deepEqual(
      reply.attachments.map((a) => ({ ...a, base64: Buffer.from(a.base64, 'base64').equals(attachment) })),
      [{ name: 'signed-form.pdf', type: 'application/pdf', base64: true }],
    );

    // "Save a copy" gives exactly what the sender's organisation opened.
    const [copy] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-reply').click()]);
    assert.equal(copy.suggestedFilename(), 'Re_ Delivery.eml');
    assert.ok((await readFile(await copy.path())).equals(opened.bytes), 'the saved copy is the reply that was sent');

    // Nothing of the reply left the page in clear: the one request that carried it carried it
    // sealed, to the key server.
    const needles = [Buffer.from(REPLY_LINE), Buffer.from('Rosenv'), attachment.subarray(1000, 1064), Buffer.from(attachment.subarray(3000, 3048).toString('base64'))];
    for (const r of requests) {
      for (const needle of needles) assert.ok(!r.body.includes(needle), `${r.method} ${r.url} carries the reply's plaintext`);
    }
    // The reply's own request carries a Blob, whose bytes the browser does not show to request
    // recording: they are checked as the key server passed them on, unchanged, in the relay
    // mail's attachment.
    const posted = requests.filter((r) => r.url.includes('/reply?'));
    assert.equal(posted.length, 1);
    const relayedFile = join(stack.dir, 'reply.relay.eml');
    const [sealedReply] = (await readMail(relayedFile)).attachments;
    const sent = Buffer.from(sealedReply.base64, 'base64');
    assert.deepEqual([...sent.subarray(0, 8)], [0x89, 0x57, 0x58, 0x52, 0x0d, 0x0a, 0x1a, 0x0a], 'the body is a sealed reply');
    for (const needle of needles) assert.ok(!sent.includes(needle), "the sealed reply carries none of the reply's plaintext");

    // Back to the message; a second reply starts afresh.
    await page.getByTestId('back-to-message').click();
    await viewer.message.waitFor();
    await viewer.startReply();
    assert.equal(await text.inputValue(), quoted);
    page.once('dialog', (d) => d.accept());
    await page.getByTestId('discard-reply').click();
    await viewer.message.waitFor();

    // The key server keeps nothing of it: not in its database, not in its logs.
    const database = await readFile(stack.database);
    const logs = stack.logs();
    for (const needle of needles) {
      assert.ok(!database.includes(needle), "the key server's database holds none of the reply");
      assert.ok(!logs.includes(needle), "the key server's logs hold none of the reply");
    }
    assert.deepEqual(problems.pageErrors, []);
    assert.deepEqual(problems.consoleErrors, []);
  } finally {
    await context.close();
  }
});
