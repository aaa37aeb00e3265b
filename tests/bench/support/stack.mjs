// The whole product for the viewer benchmarks, started as tests/e2e/support/stack.mjs starts it
// for the end-to-end tests (a real SMTP server, `waxseal serve` on SQLite with the built viewer,
// a sender organisation, messages sealed with the `waxseal` command), with two differences:
//
// - the viewer is served from a copy of dist/ taken when the stack starts, so that the figures
//   belong to one build even if dist/ is rebuilt during a run;
// - the reply relay takes replies up to 100 MiB (the reply benchmark seals one of 25 MiB, whose
//   relay mail is about 34 MB: the SMTP server takes mails up to 256 MiB), and its throttle per
//   client address is raised as well;
// - the passcode throttle per client address is raised (a benchmark asks for one passcode per
//   run, all from 127.0.0.1); every run still opens its own message, so the per-address
//   throttle and the resend interval never apply.
//
// Readiness comes from the processes' own output: no sleeps.

import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { root, startStack } from '../../e2e/support/stack.mjs';

export { readPasscodeMail, root } from '../../e2e/support/stack.mjs';

/** Copies the built viewer, again if a rebuild swapped it meanwhile (the copy must hold every
 * file its index.html names). */
async function snapshot(dist, copy) {
  for (let attempt = 0; attempt < 5; attempt++) {
    await rm(copy, { recursive: true, force: true });
    await cp(dist, copy, { recursive: true });
    const html = await readFile(join(copy, 'index.html'), 'utf8').catch(() => '');
    const named = [...html.matchAll(/(?:href|src|data-js|data-wasm)="\/([^"]+\.(?:js|wasm|css))"/g)].map((m) => m[1]);
    const present = await Promise.all(named.map((f) => stat(join(copy, f)).then(() => true, () => false)));
    if (named.length && present.every(Boolean)) return copy;
  }
  throw new Error(`${dist} is incomplete: build the viewer (trunk build --release --cargo-profile wasm-release)`);
}

/** Starts the stack; `stop()` ends its processes and deletes its directories. With `passkeys`,
 * the key server offers passkeys and runs at http://localhost (WebAuthn takes no IP address). */
export async function startBenchStack({ passkeys = false } = {}) {
  const copies = await mkdtemp(join(tmpdir(), 'waxseal-bench-'));
  try {
    const viewerDir = await snapshot(join(root, 'dist'), join(copies, 'viewer'));
    const extraConfig = '[passcode]\nper_client_per_hour = 100000\n[reply]\nmax_bytes = 104857600\nper_client_per_hour = 100000' +
      (passkeys ? '\n[passkeys]\nenabled = true\nper_client_per_hour = 100000\n' : '');
    const stack = await startStack({ viewerDir, smtpMaxBytes: 256 * 1024 * 1024, extraConfig, host: passkeys ? 'localhost' : '127.0.0.1' });
    return {
      ...stack,
      /** Deletes a file of this stack's directory (a large message, once measured). */
      forget: (path) => rm(path, { force: true }),
      async stop() {
        await stack.stop();
        await rm(copies, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(copies, { recursive: true, force: true });
    throw e;
  }
}
