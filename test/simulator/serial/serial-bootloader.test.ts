/**
 * The simulated device's serial bootloader against the real host session, over in-memory links
 * (unpaced, for speed), with faults: the link cut at every chunk boundary, the power cut at
 * every chunk boundary (a new bootloader on the same folder), a corrupted DATA frame, a
 * tampered image. After every fault the device runs the old or the new version, never neither.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { deflateRawSync } from 'node:zlib';
import path from 'node:path';
import { decodeFrame, type Frame } from '../../../firmware/flash/flash-frames.js';
import { sha256Hex, type FlashEvent } from '../../../firmware/flash/flash-session.js';
import { buildImage } from '../../../firmware/image/image-format.js';
import { memoryLinkPair, type SerialLink } from '../../../firmware/serial/serial-link.js';
import { RESUME_FILE, STAGING_FILE } from '../../../simulator/serial/file-flash-storage.js';
import { flashOverLink } from '../../../simulator/serial/host-session.js';
import { SerialBootloader, type BootloaderEvent } from '../../../simulator/serial/serial-bootloader.js';
import { VersionFileInstaller } from '../../../simulator/serial/version-file-installer.js';
import { waitFor } from '../../support/wait.js';

const t = suite('simulator/serial/serial-bootloader');
const OLD = '0.1.0';
const NEW = '0.2.0';
const CHUNK = 512;

let tmp = '';
let keys: { publicKey: KeyObject; privateKey: KeyObject };
t.before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'omstil-bootloader-'));
  keys = generateKeyPairSync('ed25519');
});
t.after(() => rmSync(tmp, { recursive: true, force: true }));

/** a payload that deflates to a few KB: mixed text and noise, deterministic */
function payload(size: number, seed = 1): Uint8Array {
  const b = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = i % 512 < 200 ? x >>> 24 : 0x61 + (i % 23);
  }
  return b;
}

function signedImage(version = NEW, size = 8000): Buffer {
  return buildImage({ payload: payload(size), version, kind: 'phone', privateKey: keys.privateKey }).bytes;
}

/** one simulated device: a folder, its installer and its bootloader on a link */
function device(dir: string, link: SerialLink, onEvent?: (e: BootloaderEvent) => void) {
  const events: BootloaderEvent[] = [];
  const reboots: string[] = [];
  const installer = new VersionFileInstaller({ dir, publicKey: keys.publicKey, kind: 'phone', initialVersion: OLD, onReboot: (v) => void reboots.push(v) });
  const boot = new SerialBootloader({
    link,
    dir,
    installer,
    maxChunk: 4096,
    onEvent: (e) => {
      events.push(e);
      onEvent?.(e);
    },
  });
  boot.start();
  return { boot, installer, events, reboots };
}

const newDir = () => mkdtempSync(path.join(tmp, 'dev-'));

/** Pipes two links into each other, optionally changing or dropping what passes; `cut()` ends it and closes the host side. */
function relay(hostSide: SerialLink, deviceSide: SerialLink, tamper?: (dir: 'toDevice' | 'toHost', bytes: Uint8Array) => Uint8Array | null) {
  let open = true;
  const offs = [
    hostSide.onData((b) => {
      const out = open ? (tamper ? tamper('toDevice', b) : b) : null;
      if (out) void deviceSide.write(out).catch(() => {});
    }),
    deviceSide.onData((b) => {
      const out = open ? (tamper ? tamper('toHost', b) : b) : null;
      if (out) void hostSide.write(out).catch(() => {});
    }),
  ];
  return {
    async cut() {
      open = false;
      for (const off of offs) off();
      await hostSide.close();
    },
  };
}

t('a clean transfer: installed, DONE ok, rebooted into the new version; the staging files are gone', async () => {
  const dir = newDir();
  const [host, dev] = memoryLinkPair();
  const d = device(dir, dev);
  const image = signedImage();
  const hostEvents: FlashEvent[] = [];
  const final = await flashOverLink({ link: host, image, chunkSize: CHUNK, onEvent: (e) => hostEvents.push(e) }).result;
  assert.is(final.state, 'done', JSON.stringify(final));
  await waitFor(() => d.events.some((e) => e.state === 'running'), 'the reboot');
  assert.is(d.installer.currentVersion(), NEW);
  assert.equal(d.reboots, [NEW]);
  const states = d.events.map((e) => e.state).filter((s, i, a) => a[i - 1] !== s);
  assert.equal(states, ['receiving', 'verifying', 'installed', 'rebooting', 'running']);
  assert.ok(!existsSync(path.join(dir, RESUME_FILE)), 'no resume point after DONE');
  await d.boot.stop();
});

t('the link cut at every chunk boundary: each new host session resumes where the last ACK left it; the image arrives intact', async () => {
  const dir = newDir();
  const [devEnd, middle] = memoryLinkPair();
  const d = device(dir, devEnd);
  const image = signedImage(NEW, 20_000);
  let sessions = 0;
  let confirmed = 0;
  for (;;) {
    sessions++;
    assert.ok(sessions < 200, 'too many sessions');
    const [host, relayEnd] = memoryLinkPair();
    const r = relay(relayEnd, middle);
    const before = confirmed;
    let acks = 0;
    let resumedFrom = -1;
    const s = flashOverLink({
      link: host,
      image,
      chunkSize: CHUNK,
      timeoutMs: 200,
      onEvent: (e) => {
        if (e.state === 'writing') resumedFrom = e.resumedFrom;
        if (e.state === 'writing' && e.done > e.resumedFrom) {
          confirmed = e.done;
          // the cable is pulled right after the first ACK of this session
          if (++acks === 1 && e.done < e.total) void r.cut();
        }
      },
    });
    const final = await s.result;
    assert.is(resumedFrom, before, `session ${sessions} resumed from the last ACKed offset`);
    if (final.state === 'done') break;
    assert.is(final.error.code, 'flash-disconnected', final.error.message);
    assert.is(d.installer.currentVersion(), OLD, 'the old image runs while the transfer is incomplete');
  }
  const chunks = Math.ceil(deflateRawSync(image, { level: 9 }).length / CHUNK);
  assert.ok(chunks > 10, `${chunks} chunks`);
  assert.is(sessions, chunks, 'one session per chunk boundary');
  await waitFor(() => d.installer.currentVersion() === NEW, 'the new version');
  assert.ok(d.events.some((e) => e.state === 'installed' && e.sha256 === sha256Hex(image)));
  await d.boot.stop();
});

t('the power cut at every chunk boundary: a new bootloader on the same folder resumes; old version until the end, then the new one', async () => {
  const dir = newDir();
  const image = signedImage(NEW, 20_000);
  let sessions = 0;
  let lastStored = 0;
  for (;;) {
    sessions++;
    assert.ok(sessions < 200, 'too many sessions');
    const [host, dev] = memoryLinkPair();
    let stored = 0;
    const d = device(dir, dev, (e) => {
      if (e.state === 'receiving' && ++stored === 1 && e.done < e.total) {
        // power off right after the chunk is on flash, before its ACK leaves
        lastStored = e.done;
        void d.boot.stop();
        void dev.close();
      }
    });
    // a fresh boot runs the old image or the new one, and says which
    assert.is(d.installer.currentVersion(), OLD);
    const events: FlashEvent[] = [];
    const final = await flashOverLink({ link: host, image, chunkSize: CHUNK, timeoutMs: 200, onEvent: (e) => events.push(e) }).result;
    if (final.state === 'done') {
      assert.is(final.resumedFrom, lastStored, 'resumed at the last stored offset');
      await waitFor(() => d.events.some((e) => e.state === 'running'), 'the reboot');
      break;
    }
    assert.is(final.error.code, 'flash-disconnected');
    if (sessions > 1) assert.ok(events.some((e) => e.state === 'writing' && e.resumedFrom > 0), 'resumed, not from 0');
  }
  assert.ok(sessions > 10, `${sessions} sessions`);
  const after = device(dir, memoryLinkPair()[1]);
  assert.is(after.installer.currentVersion(), NEW, 'the next boot runs the new image');
  await after.boot.stop();
});

t('a corrupted DATA frame: NACK crc, sent again, the image arrives intact', async () => {
  const dir = newDir();
  const [devEnd, middle] = memoryLinkPair();
  const d = device(dir, devEnd);
  const [host, relayEnd] = memoryLinkPair();
  const toHost: Frame[] = [];
  const corrupted = new Set<number>();
  relay(relayEnd, middle, (dir, bytes) => {
    let f: Frame;
    try {
      f = decodeFrame(bytes);
    } catch {
      return bytes;
    }
    if (dir === 'toHost') toHost.push(f);
    if (dir === 'toDevice' && f.type === 'data' && f.seq % 3 === 1 && !corrupted.has(f.seq)) {
      corrupted.add(f.seq);
      const b = Uint8Array.from(bytes);
      const at = Math.floor(b.length / 2);
      b[at] = b[at]! ^ 0x20 || 0x01; // never 0x00: still one frame
      return b;
    }
    return bytes;
  });
  const image = signedImage(NEW, 20_000);
  const final = await flashOverLink({ link: host, image, chunkSize: CHUNK, timeoutMs: 200 }).result;
  assert.is(final.state, 'done');
  const nacks = toHost.filter((f) => f.type === 'nack');
  assert.ok(corrupted.size >= 3);
  assert.is(nacks.length, corrupted.size, 'one NACK per corrupted frame');
  assert.ok(nacks.every((f) => f.type === 'nack' && f.reason === 'crc'));
  await waitFor(() => d.installer.currentVersion() === NEW, 'the new version');
  await d.boot.stop();
});

t('a tampered image (one payload byte): the device refuses it (DONE refused), keeps the old version and says why', async () => {
  const dir = newDir();
  const [host, dev] = memoryLinkPair();
  const d = device(dir, dev);
  const image = signedImage();
  image[image.length - 200]! ^= 0x01;
  const final = await flashOverLink({ link: host, image, chunkSize: CHUNK }).result;
  assert.is(final.state, 'failed');
  if (final.state !== 'failed') return;
  assert.is(final.error.code, 'flash-device');
  assert.is(final.error.reason, 'refused');
  const refused = d.events.find((e) => e.state === 'refused');
  assert.ok(refused?.state === 'refused' && refused.code === 'bad-signature' && refused.version === OLD, JSON.stringify(refused));
  assert.ok(!d.events.some((e) => e.state === 'installed' || e.state === 'rebooting'));
  assert.is(d.installer.currentVersion(), OLD);
  assert.equal(d.reboots, []);
  assert.ok(!existsSync(path.join(dir, STAGING_FILE)), 'the refused stream is dropped');
  // the same device still takes a good image afterwards
  const good = await flashOverLink({ link: host, image: signedImage(), chunkSize: CHUNK }).result;
  assert.is(good.state, 'done');
  await waitFor(() => d.installer.currentVersion() === NEW, 'the new version');
  await d.boot.stop();
});

t('a downgrade and an image for the other kind are refused as well', async () => {
  const dir = newDir();
  const [host, dev] = memoryLinkPair();
  const d = device(dir, dev);
  const old = buildImage({ payload: payload(3000), version: '0.0.9', kind: 'phone', privateKey: keys.privateKey }).bytes;
  const kiosk = buildImage({ payload: payload(3000), version: NEW, kind: 'kiosk', privateKey: keys.privateKey }).bytes;
  for (const [image, code] of [
    [old, 'downgrade'],
    [kiosk, 'wrong-kind'],
  ] as const) {
    const final = await flashOverLink({ link: host, image }).result;
    assert.ok(final.state === 'failed' && final.error.reason === 'refused');
    assert.ok(d.events.some((e) => e.state === 'refused' && e.code === code), code);
  }
  assert.is(d.installer.currentVersion(), OLD);
  await d.boot.stop();
});

t('the host resends END while the device is still installing: one DONE, one install', async () => {
  const dir = newDir();
  const [host, dev] = memoryLinkPair();
  const d = device(dir, dev);
  const install = d.installer.install.bind(d.installer);
  let installs = 0;
  d.installer.install = async (image) => {
    installs++;
    await new Promise((r) => setTimeout(r, 250)); // slower than the host's timeout
    return install(image);
  };
  const ends: Frame[] = [];
  const [hostLink, relayEnd] = memoryLinkPair();
  relay(relayEnd, host, (dir, bytes) => {
    if (dir === 'toDevice' && decodeFrame(bytes).type === 'end') ends.push(decodeFrame(bytes));
    return bytes;
  });
  const final = await flashOverLink({ link: hostLink, image: signedImage(), timeoutMs: 100 }).result;
  assert.is(final.state, 'done');
  assert.ok(ends.length >= 2, `END sent ${ends.length} times`);
  assert.is(installs, 1);
  await waitFor(() => d.installer.currentVersion() === NEW, 'the new version');
  await d.boot.stop();
});

t.run();
