// The whole product for browser tests: a real SMTP server (aiosmtpd), `waxseal serve` (the
// key-release server on SQLite plus the built viewer in dist/), a sender organisation, and
// messages sealed with the `waxseal` command. Readiness comes from the processes' own output
// (the SMTP server prints LISTENING, the server logs that it is listening): no sleeps.
//
// Needs: target/debug/waxseal and target/debug/waxseal-server (cargo build -p waxseal-cli
// -p waxseal-server), dist/ (trunk build), .tools/venv with aiosmtpd (scripts/setup.sh).

import { spawn, execFile } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const bin = (name) => join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug', name);
const python = process.env.WAXSEAL_PYTHON ?? join(root, '.tools', 'venv', 'bin', 'python');

/** Resolves with the first line of `stream` that satisfies `test`. */
function lineMatching(stream, test, what) {
  return new Promise((resolveLine, reject) => {
    const lines = createInterface({ input: stream });
    lines.on('line', (line) => {
      if (test(line)) resolveLine(line);
    });
    lines.on('close', () => reject(new Error(`${what}: the process ended before it was ready`)));
  });
}

/** A TCP port on 127.0.0.1 that is free now (for a process that must know its port in advance). */
export function freePort() {
  return new Promise((resolvePort) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePort(port));
    });
  });
}

/** A real SMTP server; `nextMail()` resolves with the raw text of the next delivered mail. */
async function smtpSink(dir, maxBytes) {
  const args = [join(root, 'crates/server/tests/smtp_sink.py'), dir, ...(maxBytes ? [`--max-bytes=${maxBytes}`] : [])];
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = [];
  const delivered = [];
  let received = 0;
  const lines = createInterface({ input: child.stdout });
  let port;
  const ready = new Promise((resolveReady, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('LISTENING ')) {
        port = Number(line.slice('LISTENING '.length));
        resolveReady();
      } else if (line.startsWith('DELIVERED ')) {
        received += 1;
        const path = line.slice('DELIVERED '.length);
        const next = waiting.shift();
        if (next) next(path);
        else delivered.push(path);
      }
    });
    child.on('exit', () => reject(new Error('the SMTP server exited')));
  });
  await ready;
  return {
    port,
    received: () => received,
    async nextMail() {
      const path = delivered.shift() ?? (await new Promise((r) => waiting.push(r)));
      return readFile(path, 'utf8');
    },
    stop() {
      child.stdin.end();
    },
  };
}

/** A MIME file as Python's e-mail parser reads it (./read_mail.py): headers, text, attachments. */
export async function readMail(path) {
  const { stdout } = await run(python, [join(root, 'tests/e2e/support/read_mail.py'), path]);
  return JSON.parse(stdout);
}

/** The passcode (8 digits, shown as "1234 5678") and the reference code of a passcode mail. */
export function readPasscodeMail(raw) {
  const passcode = raw.match(/: (\d{4} \d{4})\r?$/m)?.[1]?.replace(' ', '');
  const reference = raw.match(/\b([A-Z2-9]{3}-[A-Z2-9]{3})\b/)?.[1];
  if (!passcode || !reference) throw new Error(`not a passcode mail:\n${raw}`);
  return { passcode, reference };
}

/**
 * Starts the product. Options: `port` (default: a free one), for a server whose URL must be known
 * beforehand (a sign-in provider's redirect URI); `extraConfig`, TOML added to the server's
 * configuration before its `[mail]` table (e.g. `[[sign_in]]` tables); `viewerDir`, the built
 * viewer to serve (default: dist/); `smtpMaxBytes`, the largest mail the SMTP server accepts
 * (default 32 MiB); `host`, the name in the server's public origin (default 127.0.0.1; WebAuthn
 * needs `localhost`, as browsers accept no IP address as a relying party); `front`, a recording
 * front (see `startFront`) at the server's public address, the server itself behind it.
 */
export async function startStack({ port, extraConfig = '', viewerDir = join(root, 'dist'), smtpMaxBytes, host = '127.0.0.1', front = false } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'waxseal-e2e-'));
  const smtp = await smtpSink(join(dir, 'mail'), smtpMaxBytes);
  const backPort = front ? await freePort() : undefined;
  const recorder = front ? await startFront(backPort, port) : null;
  try {
    const stack = await startServer(dir, smtp, { port: recorder?.port ?? port, listenPort: backPort, extraConfig, viewerDir, host });
    if (!recorder) return stack;
    const stop = stack.stop;
    return { ...stack, front: recorder, stop: async () => (await stop(), recorder.close()) };
  } catch (e) {
    // A half-started stack must not keep the test process alive.
    smtp.stop();
    recorder?.close();
    throw e;
  }
}

/** A request as `calls` names it: "POST /v1/messages/ID/verify". */
const callOf = (r) => `${r.method} ${r.path.replace(/messages\/[^/]+/, 'messages/ID')}`;

/**
 * An HTTP front on 127.0.0.1 that passes every request to the key server on `backPort` and
 * records it (`requests`: method, path, headers, body as a Buffer, and the answer's `status` once
 * it was given), whatever browser made it. It listens on `port` (default: a free one), the
 * server's public address.
 * `answer(request)` may replace the key server's answer, for answers a real one cannot give
 * quickly (an expiry, throttling, a failure): it returns { status, body } (JSON or problem+json),
 * 'reset' (the connection is dropped, as by an unreachable server) or nothing (passed on).
 * `hold(request)` may return a promise: the request waits for it before it is passed on (a slow
 * network). `alter(request)` may return bytes to append to the key server's answer, the way a
 * broken or compromised host would serve a file (sent uncompressed and not to be stored by the
 * browser).
 * Preflight requests always reach the key server.
 */
async function startFront(backPort, port = 0) {
  const front = {
    requests: [],
    answer: null,
    alter: null,
    hold: null,
    /** The API calls recorded from request `from` on ("POST /v1/messages/ID/verify"), without
     * CORS preflights, which each engine sends and caches in its own way. */
    calls(from = 0) {
      return this.requests
        .slice(from)
        .filter((r) => r.method !== 'OPTIONS' && r.path.startsWith('/v1/'))
        .map(callOf);
    },
    /** The language files asked for from request `from` on, each under its plain name (the
     * viewer asks for viewer-<digest>.ftl, the boot script's head start for viewer.ftl). */
    localeFiles(from = 0) {
      return this.requests
        .slice(from)
        .filter((r) => r.path.startsWith('/locales/'))
        .map((r) => r.path.replace(/viewer-[0-9a-f]{16}\.ftl$/, 'viewer.ftl'));
    },
    /** Resolves with the first request from request `from` on that is `call` (an API call as
     * `calls` writes it, "POST /v1/usage", or a test of the request, described by `what` in the
     * error) and has been answered (with `answered: false`, once it arrived); fails after
     * `timeout` ms. */
    async waitForCall(call, from = 0, timeout = 20_000, { answered = true, what = typeof call === 'function' ? 'such request' : call } = {}) {
      const is = typeof call === 'function' ? call : (r) => callOf(r) === call;
      const deadline = Date.now() + timeout;
      for (;;) {
        const found = this.requests.slice(from).find((r) => r.method !== 'OPTIONS' && is(r) && (r.status || !answered));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${what} in ${timeout} ms (${this.calls(from).join(', ')})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  const server = createHttpServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const record = { method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks) };
    front.requests.push(record);
    const replaced = req.method === 'OPTIONS' ? undefined : front.answer?.(record);
    if (replaced === 'reset') {
      req.socket.destroy();
      return;
    }
    if (replaced) {
      record.status = replaced.status;
      const type = replaced.status >= 400 ? 'application/problem+json' : 'application/json';
      res.writeHead(replaced.status, {
        'content-type': type,
        'access-control-allow-origin': req.headers.origin ?? '*',
        vary: 'origin',
      });
      res.end(JSON.stringify(replaced.body));
      return;
    }
    if (req.method !== 'OPTIONS') await front.hold?.(record);
    const suffix = req.method === 'OPTIONS' ? undefined : front.alter?.(record);
    const headers = { ...req.headers };
    if (suffix) delete headers['accept-encoding'];
    const upstream = httpRequest({ host: '127.0.0.1', port: backPort, method: req.method, path: req.url, headers }, async (up) => {
      if (!suffix) {
        record.status = up.statusCode;
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
        return;
      }
      const parts = [];
      for await (const part of up) parts.push(part);
      const body = Buffer.concat([...parts, suffix]);
      const answer = { ...up.headers, 'content-length': body.length, 'cache-control': 'no-store' };
      delete answer['transfer-encoding'];
      delete answer.etag;
      delete answer['last-modified'];
      record.status = up.statusCode;
      res.writeHead(up.statusCode, answer);
      res.end(body);
    });
    upstream.on('error', () => req.socket.destroy());
    upstream.end(record.body);
  });
  await new Promise((done) => server.listen(port, '127.0.0.1', done));
  front.port = server.address().port;
  front.close = () => {
    server.closeAllConnections();
    server.close();
  };
  return front;
}

async function startServer(dir, smtp, { port: chosen, listenPort, extraConfig, viewerDir, host }) {
  const port = chosen ?? (await freePort());
  const url = `http://${host}:${port}`;
  const config = join(dir, 'server.toml');
  await writeFile(
    config,
    [
      `listen = "127.0.0.1:${listenPort ?? port}"`,
      `public_origin = "${url}"`,
      `database_url = "sqlite://${join(dir, 'keys.db')}"`,
      extraConfig,
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
  const { stdout: apiKey } = await run(bin('waxseal-server'), ['create-sender', 'Acme Bank', '--domain', 'acme.example', '--domain', 'example.com', '--config', config], { env });
  const server = spawn(bin('waxseal'), ['serve', '--config', config, '--viewer-dir', viewerDir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  server.on('error', () => {});
  await lineMatching(server.stderr, (l) => l.includes('listening'), 'waxseal serve').catch((e) => {
    server.kill('SIGKILL');
    throw e;
  });
  // Everything the server logs is kept, for tests that search the logs for what must not be
  // in them.
  const log = [];
  server.stderr.on('data', (chunk) => log.push(chunk));
  const sealEnv = { ...process.env, WAXSEAL_SERVER: url, WAXSEAL_API_KEY: apiKey.trim(), XDG_CONFIG_HOME: dir };
  return {
    dir,
    url,
    nextMail: () => smtp.nextMail(),
    /** How many mails the SMTP server has received so far. */
    mailsReceived: () => smtp.received(),
    /** The key server's database file (SQLite). */
    database: join(dir, 'keys.db'),
    /** What the key server logged so far. */
    logs: () => Buffer.concat(log),
    /** Seals with `waxseal seal`; returns the summary (`--json`) with the message.html path. */
    async seal(args, out = join(dir, `message-${Date.now()}-${Math.random().toString(36).slice(2)}.html`)) {
      const { stdout } = await run(bin('waxseal'), ['seal', ...args, '--out', out, '--json'], { env: sealEnv, cwd: dir });
      return { ...JSON.parse(stdout), path: out };
    },
    /** Moves the key server's records of passcodes and access tokens `seconds` into the past in
     * its database, as if that much time had passed: the key server itself then refuses the
     * tokens it gave and allows a new passcode at once. */
    async moveBack(seconds) {
      const script = `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
s = int(sys.argv[2])
db.execute("update tokens set expires = expires - ?", (s,))
db.execute("update passcodes set created = created - ?, expires = expires - ?", (s, s))
db.commit()`;
      await run(python, ['-c', script, join(dir, 'keys.db'), String(seconds)]);
    },
    /** Runs another `waxseal` subcommand (revoke, status…). */
    async waxseal(args) {
      return run(bin('waxseal'), args, { env: sealEnv, cwd: dir });
    },
    /** Saves a relay mail as `<name>.relay.eml` and opens it with `waxseal open-reply` and the
     * reply key at `key`; the summary (`--json`), the reply's path and its bytes. */
    async openReply(raw, name, key) {
      const relayed = join(dir, `${name}.relay.eml`);
      const out = join(dir, `${name}.eml`);
      await writeFile(relayed, raw);
      const { stdout } = await this.waxseal(['open-reply', relayed, '--reply-key', key, '--out', out, '--json']);
      return { summary: JSON.parse(stdout), path: out, bytes: await readFile(out) };
    },
    async stop() {
      server.kill('SIGTERM');
      await new Promise((r) => (server.exitCode !== null ? r() : server.on('exit', r)));
      smtp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
