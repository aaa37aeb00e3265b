// The viewer's screens as a recipient sees them, over the engine-neutral `Page` of
// ./browsers.mjs: the same test drives Chromium, Firefox and WebKit.

import assert from 'node:assert/strict';
import { tid } from './browsers.mjs';

export class Screens {
  constructor(page) {
    this.page = page;
  }

  async waitForSummary() {
    await this.page.waitFor(tid('summary'), { timeout: 30_000 });
  }

  /** The viewer's own page at `viewerUrl`, ready for a file. */
  async openViewer(viewerUrl) {
    await this.page.goto(viewerUrl);
    await this.page.waitFor(tid('viewer-ready'), { timeout: 30_000 });
  }

  /** On the viewer's own page at `viewerUrl`: picks the file at `path`. */
  async pick(viewerUrl, path) {
    await this.openViewer(viewerUrl);
    await this.page.setFile(tid('file-input'), path);
  }

  /** Drops a file on the viewer's page, as a person dragging it from their desktop would. */
  async drop(bytes, name) {
    await this.page.evaluate(
      (b64, fileName) => {
        const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([data], fileName, { type: 'text/html' }));
        const zone = document.querySelector('[data-testid=dropzone]');
        for (const type of ['dragenter', 'dragover', 'drop']) {
          zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }
      },
      Buffer.from(bytes).toString('base64'),
      name,
    );
  }

  /** "Send me a passcode": resolves with the reference code shown. */
  async askForPasscode() {
    await this.page.click(tid('send-passcode'));
    await this.page.waitFor(tid('reference'));
    return this.page.text(tid('reference'));
  }

  async typePasscode(code) {
    await this.page.fill(tid('passcode'), code);
    await this.page.click(tid('open'));
  }

  async waitForMessage() {
    await this.page.waitFor(tid('message'), { timeout: 120_000 });
  }

  /** The text of the visible notice, once one shows (with `text`, once it reads that). */
  async notice(text) {
    await this.page.waitFor(tid('notice'), { text });
    return this.page.evaluate(
      () => [...document.querySelectorAll('[data-testid=notice]')].find((n) => n.getBoundingClientRect().height > 0).textContent.trim(),
    );
  }

  /** The failure screen's kind (`data-failure`), once it shows. */
  async failureKind() {
    await this.page.waitFor(tid('failure'), { timeout: 30_000 });
    return this.page.attr(tid('failure'), 'data-failure');
  }

  async heading() {
    return this.page.text('#main h1');
  }

  async isDisabled(selector) {
    return (await this.page.attr(selector, 'disabled')) !== null;
  }

  /** Fails unless no script error or console error showed (`expected` tells known ones:
   * Firefox reports a policy's refusals as page errors, the others as console errors). */
  assertNoProblems(expected = () => false) {
    const { pageErrors, consoleErrors } = this.page.problems;
    assert.deepEqual(pageErrors.filter((e) => !expected(e)), [], 'uncaught errors in the page');
    assert.deepEqual(consoleErrors.filter((e) => !expected(e)), [], 'console errors');
  }
}
