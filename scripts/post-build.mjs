// Trunk's post_build hook (Trunk.toml), run in the staging directory before it becomes dist/.
//
// 1. The reply sealer (src/sealer.rs), built by Trunk as a "worker" pipeline, comes out as
//    waxseal-reply.js and waxseal-reply_bg.wasm, with neither a content hash in the name nor an
//    SRI hash in the page. This gives both files content-hashed names (a new build is never
//    served from a stale cache) and writes their paths and SRI hashes (SHA-384, as Trunk's own)
//    into <meta name="waxseal-reply"> of index.html, which js/boot.js reads and the CLI copies
//    into message.html.
// 2. Each language's viewer.ftl (locales/<tag>/) also under a content-hashed name,
//    viewer-<first 16 hex digits of its SHA-256>.ftl, which is the name the viewer fetches (it
//    was built with the same digests, crates/l10n/build.rs): a message.html sealed against an
//    earlier build keeps fetching that build's texts, and no cache serves a stale one.
// 3. Every .wasm, .js and .css, and each language's .ftl, also as .gz (level 9, no name or
//    time), which `waxseal serve`
//    sends to browsers that accept gzip (the SRI hashes are of the decoded files). A web server
//    in front of the viewer can serve them the same way (nginx: gzip_static on).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('post-build: TRUNK_STAGING_DIR is not set; this script is run by Trunk (Trunk.toml)');
  process.exit(2);
}
const publicUrl = process.env.TRUNK_PUBLIC_URL ?? '/';
const html = join(staging, 'index.html');

const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const contentHash = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

const sealer = {};
for (const [kind, name] of [
  ['js', 'waxseal-reply.js'],
  ['wasm', 'waxseal-reply_bg.wasm'],
]) {
  const path = join(staging, name);
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch {
    console.error(`post-build: ${name} is missing from the build; index.html must build the reply sealer`);
    process.exit(1);
  }
  const hashed = name.replace(/(\.js|_bg\.wasm)$/, `-${contentHash(bytes)}$1`);
  renameSync(path, join(staging, hashed));
  sealer[kind] = { path: `${publicUrl}${hashed}`, integrity: sri(bytes) };
}

const page = readFileSync(html, 'utf8');
const placeholder = '<meta name="waxseal-reply" data-post-build>';
if (page.split(placeholder).length !== 2) {
  console.error(`post-build: index.html must hold ${placeholder} exactly once, to be filled in`);
  process.exit(1);
}
const meta =
  `<meta name="waxseal-reply" data-js="${sealer.js.path}" data-js-integrity="${sealer.js.integrity}"` +
  ` data-wasm="${sealer.wasm.path}" data-wasm-integrity="${sealer.wasm.integrity}">`;
writeFileSync(html, page.replace(placeholder, meta));

for (const entry of readdirSync(join(staging, 'locales'), { withFileTypes: true })) {
  if (!entry.isDirectory()) continue;
  const dir = join(staging, 'locales', entry.name);
  const bytes = readFileSync(join(dir, 'viewer.ftl'));
  const digest = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(dir, `viewer-${digest.slice(0, 16)}.ftl`), bytes);
}

const gzip = (path) => writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: 9 }));
for (const name of readdirSync(staging)) {
  if (/\.(wasm|js|css)$/.test(name)) gzip(join(staging, name));
}
for (const entry of readdirSync(join(staging, 'locales'), { withFileTypes: true })) {
  if (!entry.isDirectory()) continue;
  for (const name of readdirSync(join(staging, 'locales', entry.name))) {
    if (name.endsWith('.ftl')) gzip(join(staging, 'locales', entry.name, name));
  }
}
