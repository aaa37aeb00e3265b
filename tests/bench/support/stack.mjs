// The whole product for the viewer benchmarks, started as tests/e2e/support/stack.mjs starts it
// for the end-to-end tests (a real SMTP server, `waxseal serve` on SQLite with the built viewer,
// a sender organisation, messages sealed with the `waxseal` command), with two differences:
//
// - the viewer is served from a copy of dist/ taken when the stack starts, so that the figures
//   belong to one build even if dist/ is rebuilt during a run;
// - the passcode throttle per client address is raised (a benchmark asks for one passcode per
//   run, all from 127.0.0.1); every run still opens its own message, so the per-address
//   throttle and the resend interval never apply.
//
// Readiness comes from the processes' own output: no sleeps.

import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { root } from '../../e2e/support/stack.mjs';

export { readPasscodeMail, root } from '../../e2e/support/stack.mjs';

const run = promisify(execFile);
const bin = (name) => join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug', name);
const python = process.env.WAXSEAL_PYTHON ?? join(root, '.tools', 'venv', 'bin', 'python');

/** Resolves with the first line of `stream` that satisfies `test`. */
function lineMatching(stream, test, what) {
  return new Promise((resolveLine, reject) => {
    const lines = createInterface({ input: stream });
    lines.on('line', (line) => test(line) && resolveLine(line));
    lines.on('close', () => reject(new Error(`${what}: the process ended before it was ready`)));
  });
}

function freePort() {
  return new Promise((resolvePort) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

/** A real SMTP server; `nextMail()` resolves with the raw text of the next delivered mail. */
async function smtpSink(dir) {
  const child = spawn(python, [join(root, 'crates/server/tests/smtp_sink.py'), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = [];
  const delivered = [];
  const port = await new Promise((ready, fail) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('LISTENING ')) ready(Number(line.slice('LISTENING '.length)));
      else if (line.startsWith('DELIVERED ')) {
        const path = line.slice('DELIVERED '.length);
        const next = waiting.shift();
        if (next) next(path);
        else delivered.push(path);
      }
    });
    child.on('exit', () => fail(new Error('the SMTP server exited')));
  });
  return {
    port,
    async nextMail() {
      const path = delivered.shift() ?? (await new Promise((r) => waiting.push(r)));
      return readFile(path, 'utf8');
    },
    stop: () => child.stdin.end(),
  };
}

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

/** Starts the stack; `stop()` ends its processes and deletes its directory. */
export async function startBenchStack() {
  const dir = await mkdtemp(join(tmpdir(), 'waxseal-bench-'));
  const viewer = await snapshot(join(root, 'dist'), join(dir, 'viewer'));
  const smtp = await smtpSink(join(dir, 'mail'));
  let server;
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const config = join(dir, 'server.toml');
    await writeFile(
      config,
      [
        `listen = "127.0.0.1:${port}"`,
        `public_origin = "${url}"`,
        `database_url = "sqlite://${join(dir, 'keys.db')}"`,
        '[passcode]',
        'per_client_per_hour = 100000',
        '[mail]',
        'mode = "smtp"',
        'from = "waxseal <no-reply@keys.example.com>"',
        'host = "127.0.0.1"',
        `port = ${smtp.port}`,
        'security = "plain"',
        '',
      ].join('\n'),
    );
    const { stdout: masterKey } = await run(bin('waxseal-server'), ['generate-master-key']);
    const env = { ...process.env, WAXSEAL_MASTER_KEYS: masterKey.trim(), RUST_LOG: 'info' };
    const { stdout: apiKey } = await run(bin('waxseal-server'), ['create-sender', 'Acme Bank', '--config', config], { env });
    server = spawn(bin('waxseal'), ['serve', '--config', config, '--viewer-dir', viewer], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    server.on('error', () => {});
    await lineMatching(server.stderr, (l) => l.includes('listening'), 'waxseal serve');
    server.stderr.resume();
    const sealEnv = { ...process.env, WAXSEAL_SERVER: url, WAXSEAL_API_KEY: apiKey.trim(), XDG_CONFIG_HOME: dir };
    let sealed = 0;
    return {
      dir,
      url,
      nextMail: () => smtp.nextMail(),
      /** Seals with `waxseal seal`; returns the summary (`--json`) with the message.html path. */
      async seal(args) {
        const out = join(dir, `message-${(sealed += 1)}.html`);
        const { stdout } = await run(bin('waxseal'), ['seal', ...args, '--out', out, '--json'], {
          env: sealEnv,
          cwd: dir,
          maxBuffer: 1024 * 1024,
        });
        return { ...JSON.parse(stdout), path: out };
      },
      /** Deletes a file of this stack's directory (a large message, once measured). */
      forget: (path) => rm(path, { force: true }),
      async stop() {
        server.kill('SIGTERM');
        await new Promise((r) => (server.exitCode !== null ? r() : server.on('exit', r)));
        smtp.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    // A half-started stack must not keep the bench alive.
    server?.kill('SIGKILL');
    smtp.stop();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
