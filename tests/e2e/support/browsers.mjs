// One browser layer for the end-to-end tests that matter to a recipient: each test is written
// once against `Page` and runs in the engine named by WAXSEAL_BROWSER (chromium, the default;
// firefox; webkit), all three from Debian's packages:
//
// - Chromium (/usr/bin/chromium) over the DevTools protocol, through puppeteer-core;
// - Firefox ESR (/usr/bin/firefox-esr) over WebDriver BiDi, through puppeteer-core;
// - WebKit: WebKitGTK's MiniBrowser driven by WebKitWebDriver (W3C WebDriver), through
//   selenium-webdriver. It needs an X display: scripts/test.sh runs the WebKit pass under
//   xvfb-run.
//
// What a page can do is what all three can do: navigate, run a script, click and type with real
// input events, pick a file, read a frame, follow a popup, download, screenshot, a viewport, a
// colour scheme and a language. Waiting is for a condition in the page (polled), never for a time.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { freePort } from './stack.mjs';

const run = promisify(execFile);
export const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const ENGINES = ['chromium', 'firefox', 'webkit'];
export const ENGINE = process.env.WAXSEAL_BROWSER ?? 'chromium';
if (!ENGINES.includes(ENGINE)) {
  throw new Error(`WAXSEAL_BROWSER=${ENGINE}: choose one of ${ENGINES.join(', ')}`);
}
/** Screenshots of this engine: artifacts/screenshots/<engine>/. */
export const screenshots = join(root, 'artifacts', 'screenshots', ENGINE);

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FIREFOX = process.env.FIREFOX ?? '/usr/bin/firefox-esr';
const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
const MINIBROWSER = process.env.MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
// Without the background-networking flags Chromium keeps asking for hosts a test machine cannot
// reach.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The machine's processes, from /proc (Linux; empty elsewhere): each one's pid, its parent's and
 * its minor page faults so far.
 */
export async function processes() {
  const found = [];
  for (const name of await readdir('/proc').catch(() => [])) {
    if (!/^[0-9]+$/.test(name)) continue;
    const line = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
    if (!line) continue;
    // After the command's closing parenthesis: state, ppid, pgrp, session, tty, tpgid, flags, minflt.
    const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
    found.push({ pid: Number(name), parent: Number(fields[1]), minorFaults: Number(fields[7]) });
  }
  return found;
}

/** Kills the processes whose parent is `pid`. */
async function killChildren(pid) {
  for (const p of await processes()) {
    if (p.parent !== pid) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

// How long WebKitWebDriver may take to answer a new session (MiniBrowser starts in about a second
// here). When MiniBrowser dies as it starts, the driver never answers at all.
const WEBKIT_SESSION_LIMIT_MS = 120_000;

/** A CSS selector for a `data-testid`. */
export const tid = (id) => `[data-testid="${id}"]`;

const DEFAULTS = { viewport: { width: 1024, height: 800 }, colorScheme: 'light', locale: 'en-US' };

/**
 * Starts the engine. `newPage(options)` opens a fresh page (its own storage and downloads) with
 * `viewport` ({width, height} in CSS pixels), `colorScheme` ('light' or 'dark') and `locale`
 * (a BCP 47 tag such as 'da-DK': navigator.languages and Accept-Language).
 */
export async function launch() {
  const work = await mkdtemp(join(tmpdir(), `waxseal-${ENGINE}-`));
  const engine = ENGINE === 'webkit' ? new WebKit(work) : new Puppeteer(work);
  return engine;
}

/** What every engine's page offers; the engines implement the few primitives at the end. */
class Page {
  constructor(engine) {
    this.engine = engine;
    this.problems = { pageErrors: [], consoleErrors: [] };
  }

  /** Runs `fn(...args)` in the page (or frame); resolves with its (JSON) result. */
  evaluate(fn, ...args) {
    return this._evaluate(`(${fn})`, args);
  }

  /** Waits for a script error or console error that `test` accepts (Chromium and Firefox; WebKit's
   * console is not observable, see WebKit.newPage). */
  async waitForProblem(test, { timeout = 20_000 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const all = [...this.problems.pageErrors, ...this.problems.consoleErrors];
      const found = all.find(test);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`${ENGINE}: no such error in ${timeout} ms (${all.join(' | ')})`);
      await sleep(50);
    }
  }

  /** Waits until `test(...args)`, run in the page, is truthy; resolves with its value. */
  async waitUntil(fn, args = [], { timeout = 20_000, what = String(fn) } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await this._evaluate(`(${fn})`, args).catch((e) => {
        // A navigation in progress destroys the context the script ran in: try again.
        if (/context|navigat|destroyed|detached|stale|unload/i.test(String(e))) return undefined;
        throw e;
      });
      if (value) return value;
      if (Date.now() > deadline) {
        const where = await this._evaluate('(() => `${location.href}: ${document.body?.innerText.slice(0, 300)}`)', []).catch((e) => String(e));
        throw new Error(`${ENGINE}: timed out after ${timeout} ms waiting for ${what} (on ${where})`);
      }
      await sleep(50);
    }
  }

  /**
   * Waits for the first element matching `selector` to be `visible` (the default), `attached`,
   * `hidden` (absent or not rendered) or `detached`; with `text`, for one whose text is it
   * (a string, exactly after trimming) or matches it (a RegExp).
   */
  waitFor(selector, { state = 'visible', text, timeout } = {}) {
    const pattern = text instanceof RegExp ? { source: text.source, flags: text.flags } : null;
    return this.waitUntil(
      (sel, st, exact, pat) => {
        const shown = (el) => {
          const r = el.getBoundingClientRect();
          return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
        };
        const matches = (el) => {
          const t = el.textContent.trim();
          if (pat) return new RegExp(pat.source, pat.flags).test(t);
          return exact === null || t === exact;
        };
        const all = [...document.querySelectorAll(sel)].filter(matches);
        if (st === 'attached') return all.length > 0;
        if (st === 'detached') return all.length === 0;
        if (st === 'hidden') return !all.some(shown);
        return all.some(shown);
      },
      [selector, state, typeof text === 'string' ? text : null, pattern],
      { timeout, what: `${selector} to be ${state}${text ? ` with text ${text}` : ''}` },
    );
  }

  /** The trimmed text of the first match (after waiting for it to be attached). */
  async text(selector) {
    await this.waitFor(selector, { state: 'attached' });
    return this.evaluate((sel) => document.querySelector(sel).textContent.trim(), selector);
  }

  /** The texts of every match. */
  texts(selector) {
    return this.evaluate((sel) => [...document.querySelectorAll(sel)].map((e) => e.textContent.trim()), selector);
  }

  async attr(selector, name) {
    await this.waitFor(selector, { state: 'attached' });
    return this.evaluate((sel, n) => document.querySelector(sel).getAttribute(n), selector, name);
  }

  count(selector) {
    return this.evaluate((sel) => document.querySelectorAll(sel).length, selector);
  }

  isVisible(selector) {
    return this.evaluate((sel) => {
      const el = document.querySelector(sel);
      if (!el) return false;
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    }, selector);
  }

  /** Clicks the first visible match with a real pointer click. */
  async click(selector) {
    await this.waitFor(selector);
    await this._click(selector);
  }

  /** Replaces the text of an input with `text`, typed with real key events. */
  async fill(selector, text) {
    await this.waitFor(selector);
    // Typing into a document still loading can be undone by the rest of its load (WebKit lost
    // the login of a popup it had not finished loading): wait for the load to end. An `autofocus`
    // field takes the focus at the next rendering update, which can come after the load (WebKit
    // moved the focus to the provider's password field in the middle of typing the login): wait
    // for the page to be drawn.
    await this.waitUntil(() => document.readyState === 'complete', [], { what: 'the document to finish loading' });
    await this.drawn();
    await this.evaluate((sel) => {
      const el = document.querySelector(sel);
      el.focus();
      el.select?.();
    }, selector);
    await this._clearAndType(selector, text);
    // WebKit's driver can answer before the last keys have reached the page; a key still on its
    // way would land in whatever field has the focus next (a login lost its last letter that way).
    await this.waitUntil(
      (sel, typed) => [...document.querySelectorAll(sel)].some((el) => el.value === typed),
      [selector, text],
      { what: `${selector} to hold what was typed` },
    ).catch(async (e) => {
      const [held, focus] = await this.evaluate(
        (sel) => [[...document.querySelectorAll(sel)].map((el) => el.value), document.activeElement?.outerHTML.slice(0, 100)],
        selector,
      ).catch((why) => [String(why), '?']);
      throw new Error(`${e.message}; typed ${JSON.stringify(text)}, the field holds ${JSON.stringify(held)}, the focus is on ${focus}`);
    });
  }

  /** Types `text` with real key events into whatever has the focus, where its caret is (unlike
   * `fill`, which replaces a field's text); resolves once `selector`'s value holds it. */
  async type(selector, text) {
    await this._typeHere(text);
    await this.waitUntil((sel, typed) => document.querySelector(sel)?.value.includes(typed), [selector, text], {
      what: `${selector} to hold what was typed`,
    });
  }

  /** Chooses an option of a <select> as a person does (the change event follows). */
  async select(selector, value) {
    await this.waitFor(selector);
    await this.evaluate(
      (sel, v) => {
        const el = document.querySelector(sel);
        el.value = v;
        el.dispatchEvent(new Event('input', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
      },
      selector,
      value,
    );
  }

  /** Ticks the radio button or checkbox whose label reads `label`. */
  async check(label) {
    const id = await this.waitUntil(
      (text) => [...document.querySelectorAll('label')].find((l) => l.textContent.trim() === text)?.htmlFor,
      [label],
      { what: `a label "${label}"` },
    );
    await this._click(`[id="${id}"]`);
  }

  /** Puts the file at `path` into the file input `selector`, as a person picking it does. */
  async setFile(selector, path) {
    await this.waitFor(selector, { state: 'attached' });
    await this._setFile(selector, path);
  }

  /** Clicks `selector` and resolves with the file the browser downloaded: { name, bytes }. */
  async download(selector) {
    const dir = this._downloads;
    const before = new Set(await readdir(dir));
    await this.click(selector);
    // A download is done once no file of the browser's own partial names is left (Chromium:
    // .crdownload, Firefox: .part, WebKitGTK: a hidden .goutputstream-*) and the new file's size
    // held still across two looks.
    const partial = /\.(part|crdownload|download|wkdownload)$|^\.goutputstream/;
    const deadline = Date.now() + 60_000;
    let last = null;
    for (;;) {
      const names = await readdir(dir);
      const fresh = names.filter((n) => !before.has(n) && !partial.test(n) && !n.startsWith('.'));
      const busy = names.some((n) => !before.has(n) && partial.test(n));
      assert.ok(fresh.length <= 1, `${ENGINE}: one click downloaded ${fresh.join(', ')}`);
      if (fresh.length === 1 && !busy) {
        const { size } = await stat(join(dir, fresh[0]));
        if (last === `${fresh[0]}:${size}` && size > 0) {
          const bytes = await readFile(join(dir, fresh[0]));
          await rm(join(dir, fresh[0]));
          return { name: fresh[0], bytes };
        }
        last = `${fresh[0]}:${size}`;
      }
      if (Date.now() > deadline) throw new Error(`${ENGINE}: no download from ${selector} in ${dir} (${names.join(', ')})`);
      await sleep(100);
    }
  }

  /** A screenshot in artifacts/screenshots/<engine>/<name>.png. */
  async shot(name) {
    await mkdir(screenshots, { recursive: true });
    // What the page shows is drawn first: WebKitGTK's software compositor can be half a second
    // behind the document, and its screenshot is of the last frame drawn.
    await this.drawn();
    await writeFile(join(screenshots, `${name}.png`), await this._screenshot());
  }

  /**
   * Resolves once the page has been drawn twice since the call, so that what a rendering update
   * does (drawing, focusing an `autofocus` field) has been done. A page in a background tab draws
   * no frames, and is not waited for.
   */
  drawn() {
    return this.evaluate(
      () =>
        new Promise((done) =>
          document.visibilityState === 'visible' ? requestAnimationFrame(() => requestAnimationFrame(() => done(true))) : done(true),
        ),
    );
  }
}

/* ---------------------------------------------------------------------------------------- */
/* Chromium and Firefox, through puppeteer-core                                               */
/* ---------------------------------------------------------------------------------------- */

let puppeteerModule;

class Puppeteer {
  constructor(work) {
    this.name = ENGINE;
    this.work = work;
    this.browsers = new Map();
  }

  /** One browser per language and colour scheme (Firefox takes both as preferences). */
  async browserFor({ locale, colorScheme }) {
    const key = ENGINE === 'firefox' ? `${locale}/${colorScheme}` : locale;
    if (!this.browsers.has(key)) {
      puppeteerModule ??= (await import('puppeteer-core')).default;
      const languages = [locale, locale.split('-')[0]].filter((l, i, all) => all.indexOf(l) === i).join(',');
      const options =
        ENGINE === 'firefox'
          ? {
              browser: 'firefox',
              executablePath: FIREFOX,
              headless: true,
              acceptInsecureCerts: true,
              extraPrefsFirefox: {
                'intl.accept_languages': languages,
                'intl.locale.requested': locale,
                // 0: dark, 1: light.
                'layout.css.prefers-color-scheme.content-override': colorScheme === 'dark' ? 0 : 1,
                'browser.download.folderList': 2,
                'browser.download.useDownloadDir': true,
                'browser.download.always_ask_before_handling_new_types': false,
                'browser.download.start_downloads_in_tmp_dir': false,
                'network.proxy.type': 0,
              },
            }
          : {
              browser: 'chrome',
              executablePath: CHROMIUM,
              headless: true,
              acceptInsecureCerts: true,
              args: [...CHROMIUM_ARGS, `--lang=${locale}`, `--accept-lang=${languages}`],
              env: { ...process.env, LANGUAGE: locale.replace('-', '_') },
            };
      // Puppeteer gives a browser 30 s to start; Firefox's first start on a busy machine took
      // longer once (8 s on a quiet one, 3 s after). An upper bound, not a wait.
      this.browsers.set(key, puppeteerModule.launch({ ...options, timeout: 120_000 }));
    }
    return this.browsers.get(key);
  }

  async newPage(options = {}) {
    const o = { ...DEFAULTS, ...options };
    const browser = await this.browserFor(o);
    const downloads = await mkdtemp(join(this.work, 'downloads-'));
    const context = await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: downloads } });
    const page = await context.newPage();
    const wrapped = new PuppeteerPage(this, page, context, downloads);
    await page.setViewport(o.viewport);
    if (ENGINE === 'chromium') {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: o.colorScheme }]);
    }
    return wrapped;
  }

  /** The engine and its version, e.g. "Chromium 156.0.8078.73". */
  async version() {
    const v = await (await this.browserFor(DEFAULTS)).version();
    const [, number] = v.match(/\/([\d.]+)/) ?? [, v];
    return `${ENGINE === 'firefox' ? 'Firefox' : 'Chromium'} ${number}`;
  }

  async close() {
    for (const b of this.browsers.values()) await (await b).close();
    await rm(this.work, { recursive: true, force: true });
  }
}

class PuppeteerPage extends Page {
  constructor(engine, page, context, downloads, frame = null) {
    super(engine);
    this.page = page;
    this.context = context;
    this._downloads = downloads;
    this.target = frame ?? page;
    if (!frame) {
      page.on('pageerror', (e) => this.problems.pageErrors.push(String(e?.message ?? e)));
      page.on('console', (m) => m.type() === 'error' && this.problems.consoleErrors.push(m.text()));
    }
  }

  async goto(url) {
    await this.page.goto(url, { waitUntil: 'load' });
  }

  /** The page's size in CSS pixels, as a window resized to it. */
  async setViewport(viewport) {
    await this.page.setViewport(viewport);
  }

  /** The document's own address (what the driver last heard of can lag behind a popup's). */
  url() {
    return this.target.evaluate(() => location.href);
  }

  _evaluate(source, args) {
    return this.target.evaluate(`${source}(...${JSON.stringify(args)})`);
  }

  async _click(selector) {
    const handle = await this.visibleHandle(selector);
    await handle.click();
  }

  async _clearAndType(selector, text) {
    // The text is selected (by fill) and the field has the focus: a key deletes it all.
    const handle = await this.visibleHandle(selector);
    await this.page.keyboard.press('Backspace');
    await handle.type(text);
  }

  async _typeHere(text) {
    await this.page.keyboard.type(text);
  }

  async visibleHandle(selector) {
    const handles = await this.target.$$(selector);
    for (const h of handles) {
      if (await h.isVisible()) return h;
    }
    throw new Error(`${ENGINE}: nothing visible matches ${selector}`);
  }

  async _setFile(selector, path) {
    const input = await this.target.$(selector);
    await input.uploadFile(path);
  }

  _screenshot() {
    return this.page.screenshot({ fullPage: true });
  }

  /** The page inside the iframe `selector` (its own document, whatever its origin). */
  async frame(selector) {
    await this.waitFor(selector, { state: 'attached' });
    const handle = await this.target.$(selector);
    const frame = await handle.contentFrame();
    return new PuppeteerPage(this.engine, this.page, this.context, this._downloads, frame);
  }

  /** Runs `action`; resolves with the window it opened. */
  async popup(action) {
    const opened = new Promise((r) => this.page.once('popup', r));
    await action();
    const page = await opened;
    return new PuppeteerPage(this.engine, page, this.context, this._downloads);
  }

  /** Whether this engine can run a script in every new document before the page's own. */
  get canScriptEveryDocument() {
    return true;
  }

  /** Runs `fn` in every document this page loads from now on, before its own scripts. */
  async scriptEveryDocument(fn) {
    await this.page.evaluateOnNewDocument(fn);
  }

  async isClosed() {
    return this.page.isClosed();
  }

  /** Closes this window, as a person closing it does (no unload prompt). */
  async closeWindow() {
    await this.page.close();
  }

  async close() {
    await this.context.close();
  }
}

/* ---------------------------------------------------------------------------------------- */
/* WebKit: WebKitGTK's MiniBrowser through WebKitWebDriver and selenium-webdriver              */
/* ---------------------------------------------------------------------------------------- */

let selenium;


/**
 * WebKitGTK takes its language from the C library's locale, which a machine may not have
 * generated: the locale is compiled (localedef, from Debian's `locales` sources) into a private
 * directory and handed to the browser with LOCPATH.
 */
async function localeDir(work, locale) {
  const [lang, region] = locale.split('-');
  const name = `${lang}_${region ?? lang.toUpperCase()}`;
  const dir = join(work, 'locales');
  if (!existsSync(join(dir, `${name}.UTF-8`))) {
    await mkdir(dir, { recursive: true });
    // The pseudo-locale en-XA has no definition of its own: en_US's, under its name (the name is
    // what the browser reports).
    const source = name === 'en_XA' ? 'en_US' : name;
    await run('localedef', ['-i', source, '-f', 'UTF-8', join(dir, `${name}.UTF-8`)]).catch((e) => {
      // localedef warns (exit 1) on some Debian sources yet writes a usable locale.
      if (!existsSync(join(dir, `${name}.UTF-8`))) throw e;
    });
  }
  return { LOCPATH: dir, LC_ALL: `${name}.UTF-8`, LANG: `${name}.UTF-8` };
}

// MiniBrowser's toolbar is wider than a phone: a style of this engine's own (in a private
// XDG_CONFIG_HOME) shrinks it, so that the page can be 390 CSS pixels wide. The page's own
// rendering does not use GTK's styles.
const MINIBROWSER_GTK_CSS = '* { min-width: 0; min-height: 0; padding: 0; margin: 0; border-width: 0; font-size: 1px; }\n';

class WebKit {
  constructor(work) {
    this.name = ENGINE;
    this.work = work;
    this.sessions = [];
  }

  async newPage(options = {}) {
    if (!process.env.DISPLAY) throw new Error('WebKit needs an X display: run the WebKit tests under xvfb-run -a');
    selenium ??= await import('selenium-webdriver');
    const o = { ...DEFAULTS, ...options };
    const home = await mkdtemp(join(this.work, 'session-'));
    await mkdir(join(home, 'config', 'gtk-3.0'), { recursive: true });
    await writeFile(join(home, 'config', 'gtk-3.0', 'gtk.css'), MINIBROWSER_GTK_CSS);
    const port = await freePort();
    const env = {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_CACHE_HOME: join(home, 'cache'),
      XDG_DATA_HOME: join(home, 'data'),
      // The compiled GPU shaders (Mesa's software OpenGL here, no GPU) are kept across this run's
      // sessions, as a browser keeps them across its pages: with a fresh cache for every page,
      // WebKit's first frames waited for the compiler (the 1 MiB journey's median took about 100 ms
      // more in the benchmark).
      // Nothing a page can see.
      MESA_SHADER_CACHE_DIR: join(this.work, 'mesa-shader-cache'),
      ...(await localeDir(this.work, o.locale)),
    };
    // WebKit's console is not observable here: MiniBrowser under automation writes no console
    // message, even with --enable-write-console-messages-to-stdout (which it honours without
    // automation), and WebKitWebDriver keeps no log. `problems` stays empty; the tests check
    // what the page shows and what the servers record.
    const problems = { pageErrors: [], consoleErrors: [] };
    const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], { env, stdio: 'ignore' });
    let exited = null;
    driver.once('exit', (code) => (exited = code));
    const args = ['--automation'];
    if (o.colorScheme === 'dark') args.push('--dark-mode');
    const capabilities = {
      browserName: 'MiniBrowser',
      acceptInsecureCerts: true,
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args },
    };
    // The driver prints nothing when it listens: the session request is repeated while its port
    // refuses connections (and never after any other answer). A request it has taken but not
    // answered within WEBKIT_SESSION_LIMIT_MS fails the page: once, in a benchmark's 20th
    // WebKit page, MiniBrowser was gone and the driver held the request for good (no session,
    // no browser process), which would have held a test run until its step's limit.
    let session;
    for (let tries = 0; ; tries++) {
      const request = new selenium.Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(capabilities).build();
      let timer;
      const limit = new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `WebKitWebDriver opened no session in ${WEBKIT_SESSION_LIMIT_MS / 1000} s: MiniBrowser (${MINIBROWSER}) did not start, or died as it started`,
              ),
            ),
          WEBKIT_SESSION_LIMIT_MS,
        );
      });
      try {
        session = await Promise.race([request, limit]);
        break;
      } catch (e) {
        // The request may still fail after the limit (when the driver is stopped below).
        request.catch(() => {});
        if (exited !== null) throw new Error(`WebKitWebDriver exited (${exited})`);
        if (!/ECONNREFUSED/.test(String(e)) || tries > 400) {
          // A driver left running keeps this process (and the test file) from ever ending; a
          // browser that hangs as it starts would outlive its driver.
          await killChildren(driver.pid);
          driver.kill();
          throw e;
        }
        await sleep(25);
      } finally {
        clearTimeout(timer);
      }
    }
    // Known to the engine before anything else can fail, so that closing the engine ends it.
    const page = new WebKitPage(this, session, driver, home, problems);
    this.sessions.push(page);
    try {
      this.browserVersion ??= (await session.getCapabilities()).get('browserVersion');
      await page.setViewport(o.viewport);
    } catch (e) {
      await page.close();
      throw e;
    }
    return page;
  }

  /** The engine and its version, e.g. "WebKitGTK 2.50.6" (known once a page was opened). */
  async version() {
    return `WebKitGTK ${this.browserVersion}`;
  }

  async close() {
    for (const s of this.sessions) await s.close();
    // The browser's own processes may still be writing their caches as they end.
    await rm(this.work, { recursive: true, force: true, maxRetries: 10 });
  }
}

class WebKitPage extends Page {
  constructor(engine, session, driverProcess, home, problems, { handle = null, frame = null, parent = null } = {}) {
    super(engine);
    this.session = session;
    this.driverProcess = driverProcess;
    this.home = home;
    this._downloads = home;
    this.problems = problems;
    this.handle = handle;
    this.frameSelector = frame;
    this.parent = parent;
  }

  /** Points the session at this page's window (and frame) before a command. */
  async focus() {
    const s = this.session;
    if (!this.handle) this.handle = await s.getWindowHandle();
    if (s.__current !== this.handle) {
      await s.switchTo().window(this.handle);
      s.__current = this.handle;
    }
    await s.switchTo().defaultContent();
    if (this.frameSelector) {
      const el = await s.findElement(selenium.By.css(this.frameSelector));
      await s.switchTo().frame(el);
    }
  }

  /**
   * Sizes the window until the page in it is `width`×`height`. The window holds a toolbar besides
   * the page, and the page learns of a new window size a moment after the window has it: on a
   * busy machine, a read just after a resize gave the page's old size (and the correction made
   * from it was a negative width). The page's own view of the window is read until it is the
   * window's new size, and the window is never asked to be smaller than the page.
   */
  async setViewport({ width, height }) {
    await this.focus();
    const window = this.session.manage().window();
    const sizes = () => this.evaluate(() => [innerWidth, innerHeight, outerWidth, outerHeight]);
    let rect = { width, height };
    let seen;
    for (let i = 0; i < 6; i++) {
      await window.setRect(rect);
      const taken = await window.getRect();
      const deadline = Date.now() + 10_000;
      do seen = await sizes();
      while ((seen[2] !== taken.width || seen[3] !== taken.height) && Date.now() < deadline);
      const [w, h] = seen;
      if (w === width && h === height) return;
      rect = { width: Math.max(width, taken.width + width - w), height: Math.max(height, taken.height + height - h) };
    }
    throw new Error(
      `WebKit: the page is ${seen[0]}×${seen[1]} CSS pixels in a ${seen[2]}×${seen[3]} window, not the ${width}×${height} asked for`,
    );
  }

  async goto(url) {
    await this.focus();
    await this.session.get(url);
  }

  async url() {
    await this.focus();
    return this.session.getCurrentUrl();
  }

  async _evaluate(source, args) {
    await this.focus();
    return this.session.executeScript(`return ${source}(...arguments)`, ...args);
  }

  async visibleElement(selector) {
    await this.focus();
    for (const el of await this.session.findElements(selenium.By.css(selector))) {
      if (await el.isDisplayed()) return el;
    }
    throw new Error(`webkit: nothing visible matches ${selector}`);
  }

  async _click(selector) {
    await (await this.visibleElement(selector)).click();
  }

  async _clearAndType(selector, text) {
    const el = await this.visibleElement(selector);
    await el.clear();
    await el.sendKeys(text);
  }

  async _typeHere(text) {
    await this.focus();
    await this.session.actions().sendKeys(text).perform();
  }

  async _setFile(selector, path) {
    await this.focus();
    await this.session.findElement(selenium.By.css(selector)).sendKeys(path);
  }

  async _screenshot() {
    await this.focus();
    return Buffer.from(await this.session.takeScreenshot(), 'base64');
  }

  async frame(selector) {
    await this.waitFor(selector, { state: 'attached' });
    return new WebKitPage(this.engine, this.session, this.driverProcess, this.home, this.problems, {
      handle: this.handle,
      frame: selector,
      parent: this,
    });
  }

  async popup(action) {
    await this.focus();
    const before = new Set(await this.session.getAllWindowHandles());
    await action();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const fresh = (await this.session.getAllWindowHandles()).filter((h) => !before.has(h));
      if (fresh.length) {
        // Closed with the page that opened it (one WebDriver session holds both).
        return new WebKitPage(this.engine, this.session, this.driverProcess, this.home, this.problems, { handle: fresh[0], parent: this });
      }
      if (Date.now() > deadline) throw new Error('webkit: no window opened');
      await sleep(50);
    }
  }

  get canScriptEveryDocument() {
    return false;
  }

  async isClosed() {
    return !(await this.session.getAllWindowHandles()).includes(this.handle);
  }

  /** Closes this window, as a person closing it does (no unload prompt). */
  async closeWindow() {
    await this.focus();
    await this.session.close();
    this.session.__current = undefined;
  }

  async close() {
    if (this.parent || this.closed) return;
    this.closed = true;
    await this.session.quit().catch(() => {});
    const exited = new Promise((r) => (this.driverProcess.exitCode !== null ? r() : this.driverProcess.once('exit', r)));
    this.driverProcess.kill();
    await exited;
  }
}

/* ---------------------------------------------------------------------------------------- */

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page (sent by the driver, which the page's CSP does not govern) and fails
 * on any serious or critical violation.
 */
export async function assertAccessible(page, what) {
  await page._evaluate(`(() => { ${AXE}\n; window.axe = axe; })`, []);
  const results = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    // Not into frames: the only one is the mail's body, whose opaque origin refuses axe's
    // messages (Firefox logs each refusal as an error).
    window.axe.run(document, { iframes: false, resultTypes: ['violations'] }).then((r) =>
      r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })),
    ),
  );
  const bad = results
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(', ')})`);
  assert.deepEqual(bad, [], `${ENGINE}: accessibility violations on ${what}`);
}
