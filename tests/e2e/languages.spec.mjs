// End-to-end tests of the viewer's languages against the real product (./support/stack.mjs),
// written once and run in each browser engine (WAXSEAL_BROWSER=chromium|firefox|webkit;
// ./support/browsers.mjs): every screen in Arabic, laid out right to left, with screenshots and
// axe-core scans; the pseudo-locale en-XA (accented, about 30 % longer) to find any text that
// bypasses the translation files and any layout that breaks with longer text. The loading of
// languages (only the one shown is fetched, checked against the digest the viewer was built with,
// and no screen shows in another language first) and the failure screens the key server causes,
// in Arabic, are in viewer.spec.mjs.
//
// Needs what viewer.spec.mjs needs; scripts/test.sh prepares it.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startStack } from './support/stack.mjs';
import { assertAccessible, launch, tid } from './support/browsers.mjs';
import { Screens } from './support/screens.mjs';
import { passcodeFrom } from './support/viewer.mjs';

const SENDER = 'Alice at the waxseal demo <alice@example.com>';
const REPLIES = 'replies@example.com';

let stack;
let engine;
let replyKey;

before(async () => {
  stack = await startStack({ front: true });
  engine = await launch();
  replyKey = join(stack.dir, 'reply-key.toml');
  await stack.waxseal(['reply-key', 'new', '--key-id', '2026-12', '--out', replyKey]);
  await writeFile(join(stack.dir, 'letter.txt'), 'Dear guest,\n\nYour itinerary is attached.\n');
  await writeFile(join(stack.dir, 'itinerary.csv'), 'day,from,to\n1,Copenhagen,Shanghai\n');
  await writeFile(join(stack.dir, 'not-a-message.html'), '<!doctype html><p>Just a page.</p>');
});

after(async () => {
  const stopped = await Promise.allSettled([engine?.close(), stack?.stop()]);
  for (const s of stopped) if (s.status === 'rejected') throw s.reason;
});

/** A new message with a text body, an attachment and secure replies. */
function seal() {
  return stack.seal([
    '--from', SENDER, '--to', 'you@example.com', '--subject', 'Your travel documents',
    '--text', 'letter.txt', '--attach', 'itinerary.csv', '--reply-to', REPLIES, '--reply-key', replyKey,
  ]);
}

const wrongOf = (code) => (code[0] === '9' ? '0' : String(Number(code[0]) + 1)) + code.slice(1);

/**
 * Walks the journey through every screen: the file picker, a failure, the summary, the passcode,
 * a wrong one, the message, the reply form, the privacy statement. Calls `check(name)` on each.
 */
async function everyScreen(page, screens, check) {
  const viewerUrl = `${stack.url}/`;
  await screens.openViewer(viewerUrl);
  await check('pick');

  await page.setFile(tid('file-input'), join(stack.dir, 'not-a-message.html'));
  assert.equal(await screens.failureKind(), 'not-waxseal');
  await check('failure-not-waxseal');

  // A message of its own (a passcode for the same message and address is sent once a minute).
  const damaged = await seal();
  const tampered = join(stack.dir, `tampered-${damaged.id}.html`);
  // One base64 character inside the payload changes (a few lines before the end).
  const lines = (await readFile(damaged.path, 'utf8')).split('\n');
  const end = lines.findIndex((l) => l.startsWith('</script>'));
  const line = lines[end - 3];
  lines[end - 3] = line.slice(0, 10) + (line[10] === 'A' ? 'B' : 'A') + line.slice(11);
  await writeFile(tampered, lines.join('\n'));
  await screens.pick(viewerUrl, tampered);
  await screens.askForPasscode();
  const tamperedMail = passcodeFrom(await stack.nextMail());
  await screens.typePasscode(tamperedMail.code);
  assert.equal(await screens.failureKind(), 'damaged');
  await check('failure-damaged');

  const sealed = await seal();
  await screens.pick(viewerUrl, sealed.path);
  await screens.waitForSummary();
  await check('summary');
  await screens.askForPasscode();
  const raw = await stack.nextMail();
  const mail = passcodeFrom(raw);
  await check('passcode');
  await screens.typePasscode(wrongOf(mail.code));
  await page.waitFor(tid('notice'));
  await check('wrong-passcode');
  await screens.typePasscode(mail.code);
  await screens.waitForMessage();
  await check('message');
  await page.click(tid('reply'));
  await page.waitUntil(() => document.activeElement?.id === 'reply-text', [], { what: 'the reply form' });
  await check('reply');
  await page.click(tid('privacy-link'));
  await page.waitFor(tid('privacy'));
  await check('privacy');
  return raw;
}

test('Arabic: every screen right to left, values isolated, the passcode mail in Arabic', async () => {
  const page = await engine.newPage({ locale: 'ar-EG' });
  const screens = new Screens(page);
  const from = stack.front.requests.length;
  try {
    const seen = [];
    const raw = await everyScreen(page, screens, async (name) => {
      seen.push(name);
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar', name);
      assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl', name);
      // Mirrored: the language switch, at the end of the top bar, is on the left.
      const right = await page.evaluate(() => document.querySelector('[data-testid=language]').getBoundingClientRect().right);
      assert.ok(right < 512, `${name}: the switch ends at ${right}`);
      if (name === 'pick') {
        assert.equal(await screens.heading(), 'فتح رسالة مشفّرة');
      }
      if (name === 'passcode') {
        // An English address inside Arabic text is isolated, so it keeps its own order.
        const body = await page.evaluate(() => document.querySelector('[data-testid=sent-body]').textContent);
        assert.ok(body.includes('\u2068you@example.com\u2069'), body);
        // The passcode is typed left to right.
        assert.equal(await page.attr(tid('passcode'), 'dir'), 'ltr');
      }
      if (name === 'wrong-passcode') {
        // Four tries left: Arabic's "few" plural form (3 to 10), the number as Arabic writes it.
        assert.match(await screens.notice(), /^رمز المرور غير صحيح\. تبقّت (4|٤) محاولات\.$/);
      }
      await page.shot(`lang-ar-${String(seen.length).padStart(2, '0')}-${name}`);
      await assertAccessible(page, `${name} in Arabic`);
    });
    assert.deepEqual(seen, ['pick', 'failure-not-waxseal', 'failure-damaged', 'summary', 'passcode', 'wrong-passcode', 'message', 'reply', 'privacy']);
    // The passcode mail is written in the language the viewer showed.
    assert.match(raw.toString(), /^Content-Language: ar\r?$/m);
    // One language file, once: the one shown.
    assert.deepEqual([...new Set(stack.front.localeFiles(from))], ['/locales/ar/viewer.ftl']);
  } finally {
    await page.close();
  }
});

/**
 * Text on the page that is not pseudo-localized: a text node with two or more ASCII letters in a
 * row and no accented letter, outside what shows data (addresses, names, file names, dates,
 * sizes, the message itself, the example report, the language names).
 */
function bypassing(page) {
  return page.evaluate(() => {
    const data = 'bdi, dd, input, textarea, pre, time, option, script, style, noscript, iframe, .brand-name, .reference-code, .attachment-name, .attachment-type, .attachment-size, .example, #waxseal-carrier, #waxseal-envelope';
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      if (!text || node.parentElement.closest(data)) continue;
      const style = getComputedStyle(node.parentElement);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      if (/[A-Za-z]{2,}/.test(text) && !/[\u00C0-\u024F\u1E00-\u1EFF]/.test(text)) found.push(text);
    }
    return found;
  });
}

/** Elements whose text does not fit them (clipped or overflowing), and a page wider than the screen. */
function brokenLayout(page) {
  return page.evaluate(() => {
    const broken = [];
    if (document.documentElement.scrollWidth > window.innerWidth) {
      broken.push(`the page is ${document.documentElement.scrollWidth}px wide on a ${window.innerWidth}px screen`);
    }
    for (const el of document.querySelectorAll('button, label, h1, h2, a, .notice, .hint, legend, dt, p')) {
      // An inline box has no width of its own to overflow (its clientWidth is 0 in every engine,
      // its scrollWidth its text's in Firefox): its block is measured instead.
      if (!el.offsetParent || getComputedStyle(el).display === 'inline') continue;
      if (el.scrollWidth > el.clientWidth + 1) broken.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" overflows (${el.scrollWidth} > ${el.clientWidth})`);
    }
    return broken;
  });
}

test('the pseudo-locale: every text comes from the files, and 30 % longer text breaks no layout on a phone', async () => {
  const page = await engine.newPage({ locale: 'en-XA', viewport: { width: 390, height: 844 } });
  const from = stack.front.requests.length;
  try {
    let shown = 0;
    await everyScreen(page, new Screens(page), async (name) => {
      shown++;
      await page.shot(`lang-xa-${String(shown).padStart(2, '0')}-${name}`);
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en-XA', name);
      assert.deepEqual(await bypassing(page), [], `${name}: text that is not in the translation files`);
      assert.deepEqual(await brokenLayout(page), [], `${name}: layout broken by longer text`);
    });
    assert.equal(shown, 9);
    assert.deepEqual([...new Set(stack.front.localeFiles(from))], ['/locales/en-XA/viewer.ftl']);
  } finally {
    await page.close();
  }
});
