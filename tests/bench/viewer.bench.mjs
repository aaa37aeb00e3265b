// Benchmarks of the viewer in Debian's headless Chromium. Each figure is printed next to a
// baseline measured in the same run; nothing is asserted (machines are noisy), but every target
// is reported as met or missed.
//
//   size     the release viewer (dist/), secure-reply form included: .wasm, .js, .css and the
//            boot script, each gzip -9, and the total that opening a message downloads (target
//            ≤ 300 KB); then the reply sealer (src/sealer.rs), which loads only when a reply is
//            started, and the total of both.
//   decrypt  bulk decryption of a 64 MiB message by the viewer's real decryption path (the
//            `waxseal-decrypt` performance measure of src/decrypt.rs, in the release build, on a
//            message sealed with the CLI and released by the real key server) next to raw
//            WebCrypto AES-GCM over the same chunk layout in the same page (target ≥ 0.8×) and
//            openpgp.js decrypting a 64 MiB AEAD message (SEIPDv2, AES-256-GCM, its default
//            AEAD, 256 KiB chunks; OCB once) to a password with the cheapest S2K, in the same
//            page (target: the viewer ≥ 2× faster); also the viewer's aes-gcm fallback.
//   journey  passcode submitted → message rendered for a 1 MiB message with attachments, on
//            loopback through the real stack (SMTP server, `waxseal serve`, CLI sealing), over
//            ≥ 15 runs (target median ≤ 200 ms), next to a loopback round trip to the same server.
//   passkey  passkey → message rendered for the same 1 MiB message, on the viewer's own page with a
//            virtual platform authenticator (DevTools WebAuthn), next to passcode submitted →
//            rendered in the same page and run, alternating, over ≥ 15 runs each.
//   reply    sealing a 25 MiB secure reply in the viewer (the `waxseal-seal-reply` measure of
//            src/reply.rs: HPKE, header and every chunk, in the release build, through the reply
//            form of a message sealed with the CLI; the reply is then relayed by the real key
//            server and opened with `waxseal open-reply`) next to raw WebCrypto AES-GCM
//            encryption over the same chunk layout into one buffer in the same page (target
//            ≥ 0.8×); also with the viewer's request body (one Blob of the parts) made.
//   slow4g   opening message.html → the summary screen, with the viewer's files coming from
//            `waxseal serve` under emulated Slow-4G (1.6 Mbit/s down, 750 kbit/s up, 150 ms
//            round trip; cold cache), over 5 runs (target median ≤ 3 s), next to the same on
//            loopback without throttling and the bare transfer time of the files at that rate.
//   engines  the decryption and journey measures again in Chromium, Firefox ESR and WebKitGTK, an
//            engine per row (tests/bench/engines.bench.mjs; target ≥ 0.8× raw WebCrypto in each).
//   memory   resident memory of all Chromium processes opening a 256 MiB message.html: the peak
//            from the navigation to the rendered message above the same tab idle with a small
//            message (target ≤ 3× the message size), next to Chromium alone loading the same
//            page with JavaScript off; and the peak of the opening itself (passcode submitted →
//            rendered) above the same tab idle on the summary.
//
// Run: `node tests/bench/viewer.bench.mjs [size] [decrypt] [journey] [passkey] [reply] [slow4g]
// [memory] [engines] [--runs N]` (no section names: all eight), or `bash scripts/bench.sh viewer`, which builds what it needs
// first. Needs dist/ (trunk build --release --cargo-profile wasm-release), target/debug/waxseal
// and waxseal-server (cargo build -p waxseal-cli -p waxseal-server), the Python venv with
// aiosmtpd (scripts/setup.sh) and the npm packages (npm ci).

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync, constants as zlib } from 'node:zlib';
import { chromium } from 'playwright-core';
import { readPasscodeMail, root, startBenchStack } from './support/stack.mjs';
import { installOpeningTimer, rawWebCrypto, roundTrip } from './support/page.mjs';
import { Viewer, addPlatformAuthenticator } from '../e2e/support/viewer.mjs';

const MiB = 1024 * 1024;
const CHUNK = 16 * 1024;
// openpgp.js's browser bundle (npm devDependency), which defines the global `openpgp`.
const OPENPGP = join(root, 'node_modules', 'openpgp', 'dist', 'openpgp.min.js');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args.splice(runsArg, 2)[1]) : 15;
const SECTIONS = ['size', 'decrypt', 'journey', 'passkey', 'reply', 'slow4g', 'memory', 'engines'];
const chosen = args.length ? args : SECTIONS;
for (const s of chosen) {
  if (!SECTIONS.includes(s)) {
    console.error(`unknown section ${s}; choose from ${SECTIONS.join(', ')}`);
    process.exit(2);
  }
}
if (!(RUNS >= 15)) {
  console.error('--runs must be at least 15');
  process.exit(2);
}

// ---- figures ----------------------------------------------------------------------------------

const fmt = (x, digits = 1) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
}
const verdict = (met) => (met ? 'met' : 'MISSED');
const line = (text = '') => console.log(text);
/** The machine's load: figures taken while other work runs are slower, and the journey most. */
const load = () => `load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`;

// ---- prerequisites ----------------------------------------------------------------------------

function checkPrerequisites(sections) {
  const missing = [];
  const dist = join(root, 'dist', 'index.html');
  if (!existsSync(dist)) missing.push('dist/ (trunk build --release --cargo-profile wasm-release)');
  if (sections.some((s) => s !== 'size')) {
    const target = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
    for (const bin of ['waxseal', 'waxseal-server']) {
      if (!existsSync(join(target, 'debug', bin))) missing.push(`${target}/debug/${bin} (cargo build -p waxseal-cli -p waxseal-server)`);
    }
    const python = process.env.WAXSEAL_PYTHON ?? join(root, '.tools', 'venv', 'bin', 'python');
    if (!existsSync(python)) missing.push(`${python} with aiosmtpd (scripts/setup.sh)`);
    if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
    if (!existsSync(OPENPGP)) missing.push(`${OPENPGP} (npm ci)`);
  }
  if (missing.length) {
    console.error(`viewer bench: missing\n  ${missing.join('\n  ')}\n(bash scripts/bench.sh viewer builds them)`);
    process.exit(1);
  }
}

/** The viewer's files that a browser loads, as dist/index.html names them. */
function viewerAssets() {
  const html = readFileSync(join(root, 'dist', 'index.html'), 'utf8');
  const app = html.match(/<meta name="waxseal-app"[^>]*data-wasm[^>]*>/)?.[0] ?? '';
  const attr = (tag, name) => tag.match(new RegExp(`${name}="([^"]+)"`))?.[1];
  const css = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*>/g)].map((m) => attr(m[0], 'href'));
  const boot = [...html.matchAll(/<script[^>]*src="([^"]+)"[^>]*>/g)].map((m) => m[1]);
  const files = [
    ['wasm', attr(app, 'data-wasm')],
    ['js', attr(app, 'data-js')],
    ...css.map((f) => ['css', f]),
    ...boot.map((f) => ['boot script', f]),
  ];
  for (const [what, file] of files) {
    if (!file) throw new Error(`dist/index.html does not name the viewer's ${what}`);
  }
  return files.map(([what, file]) => ({ what, path: join(root, 'dist', file.replace(/^\.?\//, '')) }));
}

/** The reply sealer's files (src/sealer.rs), which the viewer loads when a reply is started. */
function sealerAssets() {
  const html = readFileSync(join(root, 'dist', 'index.html'), 'utf8');
  const meta = html.match(/<meta name="waxseal-reply"[^>]*>/)?.[0] ?? '';
  const files = [
    ['sealer wasm', meta.match(/data-wasm="([^"]+)"/)?.[1]],
    ['sealer js', meta.match(/data-js="([^"]+)"/)?.[1]],
  ];
  for (const [what, file] of files) {
    if (!file) throw new Error(`dist/index.html does not name the ${what} (<meta name="waxseal-reply">)`);
  }
  return files.map(([what, file]) => ({ what, path: join(root, 'dist', file.replace(/^\.?\//, '')) }));
}

function gzip9(path) {
  try {
    return execFileSync('gzip', ['-9', '-c', path], { maxBuffer: 64 * MiB }).length;
  } catch {
    return gzipSync(readFileSync(path), { level: zlib.Z_BEST_COMPRESSION }).length;
  }
}

// ---- the browser ------------------------------------------------------------------------------

function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Every Chromium process started by this bench (the children of this Node process and theirs). */
function chromiumProcesses() {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // The process ended meanwhile.
    }
  }
  const found = [];
  const queue = [...(children.get(process.pid) ?? [])];
  while (queue.length) {
    const pid = queue.shift();
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes('chrom')) found.push({ pid, type: cmdline.match(/--type=([a-z-]+)/)?.[1] ?? 'browser' });
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** VmRSS and VmHWM of a process, in bytes (0 once it has ended). */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** The summed resident memory of every Chromium process of this bench, in bytes. */
const residentMemory = (processes) => processes.reduce((sum, { pid }) => sum + memoryOf(pid).rss, 0);

/**
 * Samples the summed resident memory of every Chromium process of this bench every 5 ms and
 * keeps the peak. Per-process peaks (VmHWM) are reset at the start, so that their sum bounds the
 * true peak from above, between two samples too.
 */
class MemorySampler {
  constructor() {
    this.processes = chromiumProcesses();
    for (const { pid } of this.processes) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        // Not allowed on this system: VmHWM then covers the process's whole life.
      }
    }
    this.peak = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), 5);
  }

  sample() {
    this.peak = Math.max(this.peak, residentMemory(this.processes));
  }

  /** Also watches processes started since (a renderer for a new frame). */
  refresh() {
    const known = new Set(this.processes.map((p) => p.pid));
    for (const p of chromiumProcesses()) if (!known.has(p.pid)) this.processes.push(p);
  }

  stop() {
    clearInterval(this.timer);
    this.sample();
    const hwmSum = this.processes.reduce((sum, { pid }) => sum + memoryOf(pid).hwm, 0);
    return { peak: this.peak, hwmSum };
  }
}

/** The summed resident memory of every Chromium process of this bench, after a garbage
 * collection in the page. */
async function settledMemory(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  return residentMemory(chromiumProcesses());
}

/** JS heap and WebAssembly memory of the page (through the DevTools protocol). */
async function pageMemory(cdp) {
  const heap = await cdp.send('Runtime.getHeapUsage');
  const proto = await cdp.send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
  const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId });
  const { result } = await cdp.send('Runtime.callFunctionOn', {
    objectId: objects.objectId,
    functionDeclaration: 'function () { return this.reduce((s, m) => s + m.buffer.byteLength, 0); }',
    returnByValue: true,
  });
  return { jsHeap: heap.usedSize, wasm: result.value };
}

// ---- the product ------------------------------------------------------------------------------

/** The stack (tests/bench/support/stack.mjs), started when a section first needs it. */
class LazyStack {
  constructor(options = {}) {
    this.options = options;
  }

  async get() {
    if (!this.stack) {
      this.stack = await startBenchStack(this.options);
      await writeFile(join(this.stack.dir, 'letter.txt'), 'Dear guest,\n\nthe documents are attached.\n');
      await writeFile(
        join(this.stack.dir, 'letter.html'),
        '<h1>Your documents</h1><p>Dear guest,</p><p>the documents are attached.</p><p><img src="cid:seal.png" alt="seal"></p>',
      );
      await writeFile(join(this.stack.dir, 'seal.png'), await readFile(join(root, 'crates/cli/assets/seal.png')));
    }
    return this.stack;
  }

  async stop() {
    await this.stack?.stop();
    this.stack = undefined;
  }
}

/** Seals a message with the given attachments (files in the stack's directory) and an HTML body
 * with an inline image. */
function seal(stack, attachments) {
  return stack.seal([
    '--from', 'Alice Example <alice@example.com>', '--to', 'bob@example.net', '--subject', 'Documents',
    '--html', 'letter.html', '--text', 'letter.txt', '--inline', 'seal.png',
    ...attachments.flatMap((a) => ['--attach', a]),
  ]);
}

/** Writes an attachment of `bytes` incompressible bytes into the stack's directory. */
async function attachment(stack, name, bytes) {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 64 * 1024) randomBytes(Math.min(64 * 1024, bytes - i)).copy(data, i);
  await writeFile(join(stack.dir, name), data);
  return name;
}

/** Attachment size whose base64 lines (57 bytes per 78-byte line) make a MIME message of about
 * `target` bytes. */
const attachmentFor = (target) => Math.floor(((target - 24 * 1024) * 57) / 78);

/** Opens `path` in `page`, asks for a passcode and types it; the open button is next. */
async function readyToOpen(page, stack, path) {
  await page.goto(pathToFileURL(path).href, { timeout: 300_000 });
  await page.getByTestId('summary').waitFor({ timeout: 300_000 });
  await page.getByTestId('send-passcode').click();
  const mail = readPasscodeMail(await stack.nextMail());
  await page.getByTestId('code-step').waitFor();
  await page.getByTestId('passcode').fill(mail.passcode);
}

/** Installs, in the page, the timer of ./support/page.mjs (installOpeningTimer). */
async function timeOpening(page, button = '[data-testid=open]') {
  await page.evaluate(installOpeningTimer, button);
}

async function openAndWait(page) {
  await page.getByTestId('open').click();
  return page.evaluate(() => window.benchOpened);
}

// ---- size -------------------------------------------------------------------------------------

async function benchSize() {
  line('== size: release viewer (dist/), gzip -9 ==');
  const sizes = async (assets) => {
    let total = 0;
    for (const { what, path } of assets) {
      const raw = (await stat(path)).size;
      const gz = gzip9(path);
      total += gz;
      line(`  ${what.padEnd(12)} ${fmt(gz / 1000).padStart(8)} KB gzip   (${fmt(raw / 1000)} KB raw)  ${path.slice(root.length + 1)}`);
    }
    return total;
  };
  const code = await sizes(viewerAssets());
  // The texts: one language's viewer.ftl, the one shown (the largest counted), whatever the
  // number of languages.
  const languages = readdirSync(join(root, 'dist', 'locales'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      const path = join(root, 'dist', 'locales', e.name, 'viewer.ftl');
      return { tag: e.name, path, gz: gzip9(path) };
    })
    .sort((a, b) => b.gz - a.gz);
  const largest = languages[0];
  line(`  ${'language'.padEnd(12)} ${fmt(largest.gz / 1000).padStart(8)} KB gzip   the language shown, the largest of ${languages.length} (${largest.tag}); ${languages.map((l) => `${l.tag} ${fmt(l.gz / 1000)}`).join(', ')}`);
  const initial = code + largest.gz;
  line(`  ${'total'.padEnd(12)} ${fmt(initial / 1000).padStart(8)} KB gzip   what opening a message downloads, the reply form and one language included; target ≤ 300 KB: ${verdict(initial <= 300_000)}`);
  line('  on demand, when a reply is started (building and sealing it):');
  const sealer = await sizes(sealerAssets());
  line(`  ${'sealer'.padEnd(12)} ${fmt(sealer / 1000).padStart(8)} KB gzip   (at 1.6 Mbit/s: ${fmt((sealer * 8) / 1.6e3, 0)} ms, while the reply is written)`);
  line(`  ${'everything'.padEnd(12)} ${fmt((initial + sealer) / 1000).padStart(8)} KB gzip`);
  line();
}

// ---- decrypt ----------------------------------------------------------------------------------

/**
 * In the page: openpgp.js encrypts `len` random bytes to a password (AEAD: SEIPDv2 with AES-256
 * and `aead`, iterated-and-salted S2K with the smallest count), then the timed part reads and
 * decrypts that message. Returns milliseconds.
 */
function openpgpDecrypt({ len, aead }) {
  return (async () => {
    /* global openpgp */
    const data = new Uint8Array(len);
    for (let i = 0; i < len; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(len, i + 65536)));
    const config = {
      aeadProtect: true,
      preferredAEADAlgorithm: openpgp.enums.aead[aead],
      s2kType: openpgp.enums.s2k.iterated,
      s2kIterationCountByte: 0,
    };
    const encrypted = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: data }),
      passwords: ['bench'],
      format: 'binary',
      config,
    });
    const start = performance.now();
    const message = await openpgp.readMessage({ binaryMessage: encrypted });
    const { data: out } = await openpgp.decrypt({ message, passwords: ['bench'], format: 'binary', config });
    const ms = performance.now() - start;
    if (out.length !== len || out[len - 1] !== data[len - 1]) throw new Error('openpgp.js: wrong plaintext');
    return ms;
  })();
}

async function benchDecrypt(browser, product) {
  const size = 64 * MiB;
  const runs = 5;
  line(`== decrypt: a ${size / MiB} MiB message, ${runs} runs each (in the same page: the viewer, then the baselines), median ==`);
  const openpgpSource = await readFile(OPENPGP, 'utf8');
  const viewer = [];
  const raw16 = [];
  const rawAll = [];
  const pgp = { gcm: [], ocb: [] };
  const fallback = [];
  let plaintext;
  let pgpLen;
  for (let run = 0; run < runs + 1; run++) {
    const portable = run === runs; // the last run opens with the aes-gcm fallback
    const stack = await product.get();
    const big = await attachment(stack, `big-${run}.bin`, attachmentFor(size));
    const sealed = await seal(stack, [big]);
    plaintext = sealed.plaintext_bytes;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      if (portable) {
        // As on a plain-http page, where browsers offer no crypto.subtle.
        await page.addInitScript(() => Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined }));
      }
      await readyToOpen(page, stack, sealed.path);
      await timeOpening(page);
      const t = await openAndWait(page);
      if (t.decryptEnd === undefined) throw new Error('the viewer recorded no waxseal-decrypt measure: is dist/ built from this tree?');
      const ms = t.decryptEnd - t.decryptStart;
      if (portable) {
        fallback.push(ms);
        continue;
      }
      viewer.push(ms);
      // Baselines in the same page, after the viewer (whose message stays open).
      raw16.push(await page.evaluate(rawWebCrypto, { len: plaintext, chunk: CHUNK, inFlight: 16 }));
      rawAll.push(await page.evaluate(rawWebCrypto, { len: plaintext, chunk: CHUNK, inFlight: Math.ceil(plaintext / CHUNK) }));
      await page.evaluate(openpgpSource);
      pgpLen = size;
      pgp.gcm.push(await page.evaluate(openpgpDecrypt, { len: pgpLen, aead: 'gcm' }));
      // OCB runs in JavaScript, not WebCrypto, and takes tens of seconds: once is enough.
      if (run === 0) pgp.ocb.push(await page.evaluate(openpgpDecrypt, { len: pgpLen, aead: 'ocb' }));
    } finally {
      await context.close();
      await stack.forget(join(stack.dir, big));
      await stack.forget(sealed.path);
    }
  }
  const rate = (bytes, ms) => bytes / MiB / (ms / 1000);
  const v = rate(plaintext, median(viewer));
  const r16 = rate(plaintext, median(raw16));
  const rAll = rate(plaintext, median(rawAll));
  const raw = Math.max(r16, rAll);
  const gcm = rate(pgpLen, median(pgp.gcm));
  const ocb = rate(pgpLen, median(pgp.ocb));
  const pgpBest = Math.max(gcm, ocb);
  const row = (what, mibs, ms) => line(`  ${what.padEnd(58)} ${fmt(mibs).padStart(8)} MiB/s  (${fmt(ms)} ms)`);
  line(`  plaintext ${fmt(plaintext / MiB, 2)} MiB (a MIME message with a ${fmt(attachmentFor(size) / MiB, 2)} MiB attachment, sealed with the CLI)`);
  row('viewer, WebCrypto (src/decrypt.rs, release build)', v, median(viewer));
  row('raw WebCrypto AES-GCM, same chunks, 16 in flight', r16, median(raw16));
  row('raw WebCrypto AES-GCM, same chunks, all in flight', rAll, median(rawAll));
  row('openpgp.js 6.3.2, SEIPDv2 AES-256-GCM (its default AEAD)', gcm, median(pgp.gcm));
  row('openpgp.js 6.3.2, SEIPDv2 AES-256-OCB (1 run)', ocb, median(pgp.ocb));
  row('viewer, aes-gcm fallback (no crypto.subtle; 1 run)', rate(plaintext, fallback[0]), fallback[0]);
  const ratio = (what, x, target) =>
    line(`  ${what.padEnd(58)} ${fmt(x, 2).padStart(8)}×${target ? `   target ≥ ${target}×: ${verdict(x >= target)}` : ''}`);
  ratio('viewer ÷ raw WebCrypto (the faster of the two)', v / raw, 0.8);
  ratio(`viewer ÷ openpgp.js (its faster mode, ${gcm >= ocb ? 'GCM' : 'OCB'})`, v / pgpBest, 2);
  ratio('viewer ÷ openpgp.js OCB', v / ocb);
  ratio('aes-gcm fallback ÷ raw WebCrypto', rate(plaintext, fallback[0]) / raw);
  line(`  each run: viewer ${viewer.map((x) => fmt(x, 0)).join('/')} ms, raw ${raw16.map((x) => fmt(x, 0)).join('/')} | ${rawAll.map((x) => fmt(x, 0)).join('/')} ms, openpgp.js gcm ${pgp.gcm.map((x) => fmt(x, 0)).join('/')} ocb ${pgp.ocb.map((x) => fmt(x, 0)).join('/')} ms`);
  line(`  (${load()} at the end)`);
  line();
}

// ---- journey ----------------------------------------------------------------------------------

async function benchJourney(browser, product) {
  const warmup = 2;
  line(`== journey: passcode submitted → message rendered, a 1 MiB message, ${RUNS} runs (after ${warmup} not counted) ==`);
  const totals = [];
  const server = [];
  const decrypt = [];
  const build = [];
  const frame = [];
  const paint = [];
  const roundTrips = [];
  let sealedSize;
  for (let run = 0; run < warmup + RUNS; run++) {
    const stack = await product.get();
    if (!existsSync(join(stack.dir, 'report.pdf'))) {
      await attachment(stack, 'report.pdf', attachmentFor(MiB) + 16 * 1024);
      await writeFile(join(stack.dir, 'itinerary.csv'), 'day,from,to\n1,Copenhagen,Shanghai\n8,Shanghai,Copenhagen\n'.repeat(100));
    }
    const sealed = await seal(stack, ['report.pdf', 'itinerary.csv']);
    sealedSize = sealed;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await readyToOpen(page, stack, sealed.path);
      await timeOpening(page);
      const t = await openAndWait(page);
      if (run < warmup) continue;
      totals.push(t.rendered - t.clicked);
      server.push(t.decryptStart - t.clicked);
      decrypt.push(t.decryptEnd - t.decryptStart);
      build.push(t.shown - t.decryptEnd);
      frame.push(t.bodyLoaded - t.shown);
      paint.push(t.rendered - t.bodyLoaded);
      // Baseline: one loopback round trip from this page to the same key server.
      roundTrips.push(
        await page.evaluate(roundTrip, `${stack.url}/healthz`),
      );
    } finally {
      await context.close();
    }
  }
  const ms = (x) => `${fmt(x)} ms`;
  line(`  message: ${fmt(sealedSize.plaintext_bytes / MiB, 2)} MiB MIME (HTML body, an inline image, two attachments), envelope ${fmt(sealedSize.envelope_bytes / MiB, 2)} MiB`);
  line(`  passcode → rendered: median ${ms(median(totals))}  p90 ${ms(quantile(totals, 0.9))}  min ${ms(Math.min(...totals))}  max ${ms(Math.max(...totals))}   target median ≤ 200 ms: ${verdict(median(totals) <= 200)}`);
  line(`  of which (medians): verify + release + HPKE ${ms(median(server))}, decryption ${ms(median(decrypt))}, MIME + message view ${ms(median(build))}, HTML body frame loading ${ms(median(frame))}, next frame ${ms(median(paint))}`);
  line(`  baseline: one loopback round trip from the page to the key server (GET /healthz): median ${ms(median(roundTrips))}`);
  line(`  each run (ms): ${totals.map((x) => fmt(x, 0)).join(' ')}`);
  line(`  (${load()} at the end)`);
  line();
}

// ---- passkey -----------------------------------------------------------------------------------

async function benchPasskey(browser, product) {
  const warmup = 2;
  line(`== passkey: passkey → message rendered vs passcode → message rendered, a 1 MiB message on the viewer's own page, ${RUNS} runs each (after ${warmup} not counted) ==`);
  const stack = await product.get();
  if (!existsSync(join(stack.dir, 'report.pdf'))) {
    await attachment(stack, 'report.pdf', attachmentFor(MiB) + 16 * 1024);
    await writeFile(join(stack.dir, 'itinerary.csv'), 'day,from,to\n1,Copenhagen,Shanghai\n8,Shanghai,Copenhagen\n'.repeat(100));
  }
  const context = await browser.newContext();
  const page = await context.newPage();
  await addPlatformAuthenticator(await context.newCDPSession(page));
  const viewer = new Viewer(page);
  const pick = (sealed) => viewer.pick(stack.url, sealed.path);
  const withPasscode = async (sealed) => {
    await pick(sealed);
    await page.getByTestId('send-passcode').click();
    const mail = readPasscodeMail(await stack.nextMail());
    await page.getByTestId('code-step').waitFor();
    await page.getByTestId('passcode').fill(mail.passcode);
    await timeOpening(page);
    return openAndWait(page);
  };
  const withPasskey = async (sealed) => {
    await pick(sealed);
    await page.getByTestId('open-with-passkey').waitFor();
    await timeOpening(page, '[data-testid=open-with-passkey]');
    await page.getByTestId('open-with-passkey').click();
    return page.evaluate(() => window.benchOpened);
  };
  const passcode = [];
  const passkey = [];
  const proof = [];
  try {
    // The passkey, added once after a passcode, as a recipient would.
    await withPasscode(await seal(stack, ['report.pdf', 'itinerary.csv']));
    await page.getByTestId('add-passkey').click();
    await page.getByTestId('passkey-added').waitFor();
    for (let run = 0; run < warmup + RUNS; run++) {
      // Alternating, so that a slow moment of the machine falls on both.
      const a = await withPasscode(await seal(stack, ['report.pdf', 'itinerary.csv']));
      const b = await withPasskey(await seal(stack, ['report.pdf', 'itinerary.csv']));
      if (run < warmup) continue;
      passcode.push(a.rendered - a.clicked);
      passkey.push(b.rendered - b.clicked);
      proof.push(b.decryptStart - b.clicked);
    }
  } finally {
    await context.close();
  }
  const ms = (x) => `${fmt(x)} ms`;
  line(`  passkey → rendered: median ${ms(median(passkey))}  p90 ${ms(quantile(passkey, 0.9))}  min ${ms(Math.min(...passkey))}  max ${ms(Math.max(...passkey))}`);
  line(`    of which challenge + device signature + verify + release + HPKE (click → decryption starts): median ${ms(median(proof))}`);
  line(`  baseline: passcode submitted → rendered, same page and run: median ${ms(median(passcode))}  p90 ${ms(quantile(passcode, 0.9))}`);
  line(`  ratio passkey / passcode (medians): ${fmt(median(passkey) / median(passcode), 2)}× — the passkey adds one round trip and the device's signature, and saves the wait for the mail, which is not measured here`);
  line(`  (${load()} at the end)`);
  line();
}

// ---- reply -------------------------------------------------------------------------------------

/**
 * In the page: raw WebCrypto AES-256-GCM encryption of `len` bytes in 16 KiB chunks (each with
 * its own nonce, no associated data), `inFlight` chunks handed over before the first is awaited,
 * every ciphertext copied into one buffer. The key import is timed too. Returns milliseconds.
 */
function rawWebCryptoEncrypt({ len, chunk, inFlight }) {
  return (async () => {
    const subtle = crypto.subtle;
    const data = new Uint8Array(len);
    for (let i = 0; i < len; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(len, i + 65536)));
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const n = Math.floor(len / chunk) + 1;
    const nonce = (i) => {
      const b = new Uint8Array(12);
      new DataView(b.buffer).setUint32(8, i);
      return b;
    };
    const out = new Uint8Array(len + 16 * n);
    const start = performance.now();
    const key = await subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
    for (let first = 0; first < n; first += inFlight) {
      const pending = [];
      for (let i = first; i < Math.min(n, first + inFlight); i++) {
        pending.push(subtle.encrypt({ name: 'AES-GCM', iv: nonce(i) }, key, data.subarray(i * chunk, Math.min(len, (i + 1) * chunk))));
      }
      for (let j = 0; j < pending.length; j++) out.set(new Uint8Array(await pending[j]), (first + j) * (chunk + 16));
    }
    const ms = performance.now() - start;
    if (out.length !== len + 16 * n) throw new Error('raw WebCrypto: wrong length');
    return ms;
  })();
}

async function benchReply(browser, product) {
  const size = 25 * MiB;
  const runs = 3;
  line(`== reply: sealing a ${size / MiB} MiB secure reply in the viewer, ${runs} runs (in the same page: the viewer, then the baselines), median ==`);
  const stack = await product.get();
  const key = join(stack.dir, 'reply-key.toml');
  if (!existsSync(key)) await stack.waxseal(['reply-key', 'new', '--key-id', 'bench', '--out', key]);
  const file = Buffer.alloc(attachmentFor(size));
  for (let i = 0; i < file.length; i += 64 * 1024) randomBytes(Math.min(64 * 1024, file.length - i)).copy(file, i);
  const viewer = [];
  const bodies = [];
  const composed = [];
  const raw16 = [];
  const rawAll = [];
  let mimeLen;
  for (let run = 0; run < runs; run++) {
    const sealed = await stack.seal([
      '--from', 'Alice Example <alice@example.com>', '--to', 'bob@example.net', '--subject', 'Documents',
      '--text', 'letter.txt', '--reply-to', 'replies@acme.example', '--reply-key', key,
    ]);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await readyToOpen(page, stack, sealed.path);
      await page.getByTestId('open').click();
      await page.getByTestId('reply').click();
      await page.getByTestId('reply-file-input').setInputFiles([{ name: 'scan.pdf', mimeType: 'application/pdf', buffer: file }]);
      await page.getByTestId('reply-attachment').waitFor();
      await page.getByTestId('send-reply').click();
      await page.getByTestId('reply-sent').waitFor({ timeout: 300_000 });
      const measures = await page.evaluate(() => ({
        seal: performance.getEntriesByName('waxseal-seal-reply', 'measure').at(-1)?.duration,
        body: performance.getEntriesByName('waxseal-reply-body', 'measure').at(-1)?.duration,
        compose: performance.getEntriesByName('waxseal-compose-reply', 'measure').at(-1)?.duration,
      }));
      if (measures.seal === undefined) throw new Error('the viewer recorded no waxseal-seal-reply measure: is dist/ built from this tree?');
      viewer.push(measures.seal);
      bodies.push(measures.body);
      composed.push(measures.compose);
      // The relayed reply opens with the organisation's key: its size is the sealed plaintext's.
      const relay = join(stack.dir, `bench-reply-${run}.eml`);
      await writeFile(relay, await stack.nextMail());
      const { stdout } = await stack.waxseal(['open-reply', relay, '--reply-key', key, '--out', `${relay}.out`, '--json', '--force']);
      mimeLen = JSON.parse(stdout).bytes;
      await stack.forget(relay);
      await stack.forget(`${relay}.out`);
      raw16.push(await page.evaluate(rawWebCryptoEncrypt, { len: mimeLen, chunk: CHUNK, inFlight: 16 }));
      rawAll.push(await page.evaluate(rawWebCryptoEncrypt, { len: mimeLen, chunk: CHUNK, inFlight: Math.floor(mimeLen / CHUNK) + 1 }));
    } finally {
      await context.close();
      await stack.forget(sealed.path);
    }
  }
  const rate = (ms) => mimeLen / MiB / (ms / 1000);
  const row = (what, ms) => line(`  ${what.padEnd(58)} ${fmt(rate(ms)).padStart(8)} MiB/s  (${fmt(ms)} ms)`);
  line(`  reply: ${fmt(mimeLen / MiB, 2)} MiB MIME (text and a ${fmt(file.length / MiB, 2)} MiB attachment), relayed and opened with waxseal open-reply`);
  row('viewer, WebCrypto (src/reply.rs, release build)', median(viewer));
  row('viewer, the same and the request body assembled (a Blob)', median(viewer) + median(bodies));
  row('raw WebCrypto AES-GCM encryption, same chunks, 16 in flight', median(raw16));
  row('raw WebCrypto AES-GCM encryption, same chunks, all in flight', median(rawAll));
  const best = Math.min(median(raw16), median(rawAll));
  line(`  ${'viewer ÷ raw WebCrypto (the faster of the two)'.padEnd(58)} ${fmt(best / median(viewer), 2).padStart(8)}×   target ≥ 0.8×: ${verdict(best / median(viewer) >= 0.8)}`);
  line(`  ${'viewer with the request body ÷ raw WebCrypto'.padEnd(58)} ${fmt(best / (median(viewer) + median(bodies)), 2).padStart(8)}×`);
  line(`  before sealing, building the MIME message (the draft copied to the sealer module, mail-builder, base64): median ${fmt(median(composed))} ms`);
  line(`  each run: viewer ${viewer.map((x) => fmt(x, 0)).join('/')} ms (+ body ${bodies.map((x) => fmt(x, 0)).join('/')} ms), raw ${raw16.map((x) => fmt(x, 0)).join('/')} | ${rawAll.map((x) => fmt(x, 0)).join('/')} ms`);
  line(`  (${load()} at the end)`);
  line();
}

// ---- slow4g ------------------------------------------------------------------------------------

/** Opens `path` in a fresh context (cold cache) under `conditions` (or none); milliseconds from
 * the navigation's start to the summary screen. */
async function toSummary(browser, path, conditions) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    if (conditions) await cdp.send('Network.emulateNetworkConditions', { offline: false, ...conditions });
    await page.goto(pathToFileURL(path).href);
    await page.getByTestId('summary').waitFor({ timeout: 60_000 });
    return await page.evaluate(() => performance.now());
  } finally {
    await context.close();
  }
}

async function benchSlow4g(browser, product) {
  const runs = 5;
  // Chromium DevTools' "Slow 4G" preset.
  const slow4g = { latency: 150, downloadThroughput: (1.6e6 / 8) * 0.9, uploadThroughput: (750e3 / 8) * 0.9 };
  line(`== slow4g: opening message.html → the summary screen, the viewer from \`waxseal serve\`, cold cache, ${runs} runs, median ==`);
  const stack = await product.get();
  const sealed = await seal(stack, []);
  const throttled = [];
  const loopback = [];
  for (let run = 0; run < runs; run++) {
    throttled.push(await toSummary(browser, sealed.path, slow4g));
    loopback.push(await toSummary(browser, sealed.path));
  }
  // What the browser downloads: the viewer's files as `waxseal serve` sends them (gzip).
  const bytes = viewerAssets().reduce((sum, { path }) => sum + (existsSync(`${path}.gz`) ? statSync(`${path}.gz`).size : statSync(path).size), 0);
  const ms = (x) => `${fmt(x, 0)} ms`;
  line(`  Slow-4G (1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip): median ${ms(median(throttled))}   target ≤ 3 s: ${verdict(median(throttled) <= 3000)}`);
  line(`  baseline: loopback, no throttling: median ${ms(median(loopback))}`);
  line(`  baseline: the viewer's files (${fmt(bytes / 1000)} KB as served, gzip) at 1.6 Mbit/s alone: ${ms((bytes * 8) / 1.6e3)}`);
  line(`  each run (ms): ${throttled.map((x) => fmt(x, 0)).join(' ')} | ${loopback.map((x) => fmt(x, 0)).join(' ')}`);
  line(`  (${load()} at the end)`);
  line();
  await stack.forget(sealed.path);
}

// ---- memory -----------------------------------------------------------------------------------

async function benchMemory(product) {
  const size = 256 * MiB;
  line(`== memory: a ${size / MiB} MiB message (message.html from disk), resident memory of all Chromium processes ==`);
  const stack = await product.get();
  const big = await attachment(stack, 'huge.bin', attachmentFor(size));
  const small = await seal(stack, []);
  const sealed = await seal(stack, [big]);
  const browser = await launch();
  const MiBs = (x) => `${fmt(x / MiB, 0)} MiB`;
  const times = (x) => `${fmt(x / sealed.envelope_bytes, 2)}×`;
  try {
    // Baseline: the browser alone, loading the same message.html with JavaScript off.
    const bare = await browser.newContext({ javaScriptEnabled: false });
    const barePage = await bare.newPage();
    const bareCdp = await bare.newCDPSession(barePage);
    await barePage.goto(pathToFileURL(small.path).href);
    const bareIdle = await settledMemory(bareCdp);
    let sampler = new MemorySampler();
    await barePage.goto(pathToFileURL(sealed.path).href, { timeout: 600_000 });
    const bareLoad = sampler.stop().peak - bareIdle;
    await bare.close();

    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    // Idle: the same viewer, in the same tab, with a small message.
    await page.goto(pathToFileURL(small.path).href);
    await page.getByTestId('summary').waitFor();
    const idle = await settledMemory(cdp);
    const idlePage = await pageMemory(cdp);

    // Loading: navigation → the summary of the large message.
    sampler = new MemorySampler();
    await page.goto(pathToFileURL(sealed.path).href, { timeout: 600_000 });
    await page.getByTestId('summary').waitFor({ timeout: 600_000 });
    const loading = sampler.stop();
    await page.getByTestId('send-passcode').click();
    const mail = readPasscodeMail(await stack.nextMail());
    await page.getByTestId('code-step').waitFor();
    await page.getByTestId('passcode').fill(mail.passcode);
    await timeOpening(page);
    const loaded = await settledMemory(cdp);
    const loadedPage = await pageMemory(cdp);

    // Opening: passcode submitted → message rendered.
    sampler = new MemorySampler();
    const refresher = setInterval(() => sampler.refresh(), 100);
    await openAndWait(page);
    clearInterval(refresher);
    sampler.refresh();
    const open = sampler.stop();
    const openedPage = await pageMemory(cdp);
    const after = await settledMemory(cdp);

    const opening = open.peak - loaded;
    const whole = Math.max(loading.peak, open.peak) - idle;
    const target = 3 * sealed.envelope_bytes;
    line(`  message: envelope ${MiBs(sealed.envelope_bytes)} (MIME ${MiBs(sealed.plaintext_bytes)} with a ${MiBs(attachmentFor(size))} attachment; message.html ${MiBs(sealed.message_html_bytes)})`);
    line(`  peak from the navigation to the rendered message, above the tab idle with a small message: ${MiBs(whole)} = ${times(whole)}   target ≤ 3×: ${verdict(whole <= target)}`);
    line(`    baseline: Chromium alone loading the same message.html (JavaScript off): peak ${MiBs(bareLoad)} = ${times(bareLoad)}; with the viewer, loading to the summary peaks at ${MiBs(loading.peak - idle)}`);
    line(`  peak while opening (passcode → rendered), above the tab idle on the summary: ${MiBs(opening)} = ${times(opening)}   target ≤ 3×: ${verdict(opening <= target)}`);
    line(`    (sampled every 5 ms; the sum of per-process peaks, an upper bound: ${MiBs(open.hwmSum - loaded)} = ${times(open.hwmSum - loaded)})`);
    line(`  settled (after garbage collection), above idle: on the summary ${MiBs(loaded - idle)}, message rendered ${MiBs(after - idle)}`);
    line(`  viewer (DevTools): wasm memory ${MiBs(idlePage.wasm)} idle → ${MiBs(loadedPage.wasm)} summary → ${MiBs(openedPage.wasm)} rendered; JS heap ${MiBs(idlePage.jsHeap)} → ${MiBs(loadedPage.jsHeap)} → ${MiBs(openedPage.jsHeap)}`);
    line(`  (${load()} at the end)`);
    line();
  } finally {
    await browser.close();
    await stack.forget(join(stack.dir, big));
    await stack.forget(sealed.path);
  }
}

// ---- main -------------------------------------------------------------------------------------

checkPrerequisites(chosen);
line(`viewer benchmarks — ${new Date().toISOString()}, ${execFileSync(CHROMIUM, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()}, ${load()}`);
line();
const product = new LazyStack();
const passkeyProduct = new LazyStack({ passkeys: true });
let browser;
try {
  if (chosen.includes('size')) await benchSize();
  if (['decrypt', 'journey', 'passkey', 'reply', 'slow4g'].some((s) => chosen.includes(s))) browser = await launch();
  if (chosen.includes('decrypt')) await benchDecrypt(browser, product);
  if (chosen.includes('journey')) await benchJourney(browser, product);
  if (chosen.includes('passkey')) {
    await benchPasskey(browser, passkeyProduct);
    await passkeyProduct.stop();
  }
  if (chosen.includes('reply')) await benchReply(browser, product);
  if (chosen.includes('slow4g')) await benchSlow4g(browser, product);
  await browser?.close();
  browser = undefined;
  if (chosen.includes('memory')) await benchMemory(product);
  if (chosen.includes('engines')) {
    // Chromium, Firefox and WebKit side by side, each in a process of its own.
    await product.stop();
    execFileSync(process.execPath, [join(root, 'tests/bench/engines.bench.mjs'), '--runs', String(RUNS)], { stdio: 'inherit' });
  }
} finally {
  await browser?.close();
  await product.stop();
  await passkeyProduct.stop();
}
