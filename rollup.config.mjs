// Five bundles:
//   dist/cli/omstil.js                the omstil CLI (Node; dependencies from node_modules)
//   dist/cli/postgres-worker.js       the PostgreSQL store's worker thread, beside omstil.js (it loads it by file)
//   dist/firmware/omstil-firmware.js  the device runtime (Node, one file; only native addons beside it, in dist/firmware/node_modules)
//   dist/boot/omstil-boot.js          the device's boot launcher: A/B slots, health check, rollback (Node, one file, no addons)
//   dist/device-ui/omstil-ui.js       the device screens (browser ESM, lit) + a chunk per view + index.html
import esbuild from 'rollup-plugin-esbuild';
import resolve from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import json from '@rollup/plugin-json';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const deps = Object.keys(pkg.dependencies ?? {});
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const isDep = (id) => deps.some((d) => id === d || id.startsWith(`${d}/`));

/** Copies a static file into the output folder. */
const copy = (from, fileName) => ({
  name: 'copy',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName, source: readFileSync(from) });
  },
});

/**
 * What the device firmware never needs, replaced so its bundle stays small (issue target
 * ≤ 250 KB): MQTT.js's optional SOCKS connector (devices reach the hub directly), the
 * readable-stream copy of Node's streams (Node has them built in), the `debug` output
 * of MQTT.js (the firmware logs through its own logger), its LRU cache for MQTT 5 topic
 * aliases (devices speak MQTT 3.1.1) and its browser worker timers (Node's own serve).
 */
const deviceAliases = () => {
  const stubs = {
    'readable-stream': "import s from 'node:stream'; export default s; export const { Readable, Writable, Duplex, Transform, PassThrough, Stream, pipeline, finished, addAbortSignal } = s;",
    socks: "export const SocksClient = { createConnection() { throw new Error('SOCKS proxies are not supported by the device firmware'); } }; export default { SocksClient };",
    'lru-cache': "export class LRUCache { constructor() { throw new Error('MQTT 5 topic aliases are not used by the device firmware (MQTT 3.1.1)'); } }",
    'worker-timers': 'export const setInterval = globalThis.setInterval; export const clearInterval = globalThis.clearInterval; export const setTimeout = globalThis.setTimeout; export const clearTimeout = globalThis.clearTimeout;',
    debug: 'const debug = () => { const log = () => {}; log.enabled = false; log.extend = debug; return log; }; debug.enable = () => {}; debug.disable = () => ""; debug.enabled = () => false; export default debug;',
  };
  return {
    name: 'device-aliases',
    resolveId: (id) => (id in stubs ? `\0device-alias:${id}` : null),
    load: (id) => (id.startsWith('\0device-alias:') ? stubs[id.slice('\0device-alias:'.length)] : null),
  };
};

/**
 * Packages with native addons stay outside the firmware bundle: their loaders find the
 * compiled addon next to their own files. They are copied beside the bundle into
 * dist/firmware/node_modules with their runtime dependencies and the Linux prebuilds only,
 * so the firmware folder runs on a plain Node install (the build-time C sources and headers
 * stay behind).
 */
const ADDONS = ['node-hid', '@serialport/bindings-cpp'];
const BUILD_ONLY = new Set(['node-addon-api']);
const isAddon = (id) => ADDONS.some((a) => id === a || id.startsWith(`${a}/`));
const addonsBeside = () => ({
  name: 'addons-beside',
  writeBundle(options) {
    const out = path.join(path.dirname(options.file), 'node_modules');
    rmSync(out, { recursive: true, force: true });
    const seen = new Set();
    const find = (name, from) => {
      for (let dir = from; ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, 'node_modules', name);
        if (existsSync(path.join(candidate, 'package.json'))) return candidate;
        if (dir === path.dirname(dir)) throw new Error(`addons-beside: ${name} not found from ${from}`);
      }
    };
    const copyPackage = (dir) => {
      const pkgJson = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (seen.has(pkgJson.name)) return;
      seen.add(pkgJson.name);
      // a package with a binding.gyp keeps its C sources in src/ (hidapi/ for node-hid): build-time only
      const leave = existsSync(path.join(dir, 'binding.gyp')) ? ['src', 'hidapi', 'binding.gyp', 'node_modules'] : ['node_modules'];
      cpSync(dir, path.join(out, pkgJson.name), {
        recursive: true,
        filter: (src) => {
          const rel = path.relative(dir, src).split(path.sep);
          if (leave.includes(rel[0])) return false;
          return !(rel[0] === 'prebuilds' && rel[1] && !rel[1].startsWith('linux-'));
        },
      });
      for (const dep of Object.keys(pkgJson.dependencies ?? {})) if (!BUILD_ONLY.has(dep)) copyPackage(find(dep, dir));
    };
    for (const addon of ADDONS) copyPackage(find(addon, process.cwd()));
  },
});

/** Empties an output folder before a build, so chunks of earlier builds (hashed names) do not pile up. */
const cleanDir = (dir) => ({
  name: 'clean-dir',
  buildStart() {
    rmSync(dir, { recursive: true, force: true });
  },
});

const quiet = (warning, warn) => {
  if (['CIRCULAR_DEPENDENCY', 'THIS_IS_UNDEFINED', 'INVALID_ANNOTATION'].includes(warning.code)) return;
  warn(warning);
};

export default [
  {
    input: 'tools/cli/omstil.ts',
    output: { file: 'dist/cli/omstil.js', format: 'esm', banner: '#!/usr/bin/env node', sourcemap: true },
    external: (id) => nodeBuiltins.includes(id) || isDep(id),
    plugins: [json(), esbuild({ target: 'node20' })],
    onwarn: quiet,
  },
  {
    // the PostgreSQL store (issue 10) runs `pg` in a worker thread that it starts from the file
    // beside its own bundle: new URL('./postgres-worker.js', import.meta.url)
    input: 'broker/store/postgres-worker.ts',
    output: { file: 'dist/cli/postgres-worker.js', format: 'esm', sourcemap: true },
    external: (id) => nodeBuiltins.includes(id) || isDep(id),
    plugins: [esbuild({ target: 'node20' })],
    onwarn: quiet,
  },
  {
    input: 'firmware/main.ts',
    output: { file: 'dist/firmware/omstil-firmware.js', format: 'esm', inlineDynamicImports: true },
    // optional native speed-ups of ws (the firmware runs without them), and the native addons (beside it)
    external: (id) => nodeBuiltins.includes(id) || ['bufferutil', 'utf-8-validate'].includes(id) || isAddon(id),
    plugins: [addonsBeside(), deviceAliases(), resolve({ preferBuiltins: true, exportConditions: ['node'] }), commonjs(), json(), esbuild({ target: 'node20', minify: true })],
    onwarn: quiet,
  },
  {
    input: 'firmware/boot/boot-main.ts',
    output: { file: 'dist/boot/omstil-boot.js', format: 'esm', inlineDynamicImports: true },
    external: (id) => nodeBuiltins.includes(id),
    plugins: [resolve({ preferBuiltins: true, exportConditions: ['node'] }), commonjs(), json(), esbuild({ target: 'node20', minify: true })],
    onwarn: quiet,
  },
  {
    input: 'device-ui/index.ts',
    // one entry plus a chunk per view (om-app imports the view its URL asks for)
    output: { dir: 'dist/device-ui', entryFileNames: 'omstil-ui.js', chunkFileNames: 'chunk-[name]-[hash].js', format: 'esm', sourcemap: true },
    // the contract's modules have no side effects: what a screen does not use (the routing
    // endpoint's and the admin API's schemas) stays out of its bundle
    treeshake: { moduleSideEffects: (id) => !/[\\/]protocol[\\/]/.test(id) },
    plugins: [cleanDir('dist/device-ui'), resolve({ browser: true }), json(), esbuild({ target: 'es2022', minify: true }), copy('device-ui/index.html', 'index.html')],
    onwarn: quiet,
  },
];
