/**
 * A/B boot slots on real temp folders: staging, trial boots, confirmation, rollback, the boot
 * counter, the report; a power cut at every filesystem operation of an update and of a
 * rollback (the device then boots the old image or the new one, whole, and says which); a
 * full disk while staging.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Buffer } from 'node:buffer';
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeClock } from '../../../protocol/clock.js';
import { nodeBootFs, type BootFs } from '../../../firmware/boot/boot-fs.js';
import { BootError, BootSlots, sha256Of } from '../../../firmware/boot/boot-slots.js';
import { packFiles, type ArchiveEntry } from '../../../firmware/image/file-archive.js';
import { scratchFolder, thrown } from '../../support/files.js';

const t = suite('firmware/boot/boot-slots');
const scratch = scratchFolder(t, 'omstil-boot-');
let n = 0;
const fresh = () => path.join(scratch.dir(), `d${n++}`);

/** A firmware folder of one version: the entry, a native addon in a subfolder, a data file. */
function filesOf(version: string): ArchiveEntry[] {
  return [
    { path: 'omstil-firmware.js', mode: 0o644, data: Buffer.from(`export const v = ${JSON.stringify(version)};\n`.repeat(20)) },
    { path: 'node_modules/node-hid/build/Release/HID.node', mode: 0o755, data: Buffer.from(`ELF ${version} `.repeat(50)) },
    { path: 'VERSION', mode: 0o644, data: Buffer.from(version) },
  ];
}

function imageOf(version: string) {
  const payload = packFiles(filesOf(version));
  return { manifest: { version, sha256: sha256Of(payload) }, payload };
}

/** Every file under `dir`, path → content, so a slot can be compared with a version's files whole. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (lstatSync(path.join(dir, r)).isDirectory()) walk(r);
      else out[r] = readFileSync(path.join(dir, r), 'latin1');
    }
  };
  walk('');
  return out;
}

function expected(version: string): Record<string, string> {
  return Object.fromEntries(filesOf(version).map((f) => [f.path, Buffer.from(f.data).toString('latin1')]));
}

/** A device folder with v1.0.0 installed and confirmed in slot a. */
function installed(dir = fresh()): string {
  BootSlots.open(dir).adopt({ version: '1.0.0' }, filesOf('1.0.0'));
  return dir;
}

class PowerCut extends Error {}

/** The real fs, with the n-th mutating call failing; after it the power is off (every call fails). A cut write leaves half its bytes. */
function cuttingFs(cutAt: number): BootFs & { ops: string[] } {
  let count = 0;
  let dead = false;
  const ops: string[] = [];
  const step = (what: string): boolean => {
    if (dead) throw new PowerCut(`power is off (${what})`);
    ops.push(what);
    if (count++ === cutAt) {
      dead = true;
      return true;
    }
    return false;
  };
  const read = <A extends unknown[], R>(fn: (...a: A) => R) => (...a: A): R => {
    if (dead) throw new PowerCut('power is off');
    return fn(...a);
  };
  return {
    ops,
    readFile: read(nodeBootFs.readFile),
    exists: read(nodeBootFs.exists),
    readdir: read(nodeBootFs.readdir),
    mkdir(d) {
      if (step(`mkdir ${d}`)) throw new PowerCut('cut at mkdir');
      nodeBootFs.mkdir(d);
    },
    writeFile(f, data, mode) {
      if (step(`write ${f}`)) {
        nodeBootFs.writeFile(f, data.subarray(0, Math.floor(data.length / 2)), mode);
        throw new PowerCut('cut in the middle of a write');
      }
      nodeBootFs.writeFile(f, data, mode);
    },
    fsync(p) {
      if (step(`fsync ${p}`)) throw new PowerCut('cut at fsync');
      nodeBootFs.fsync(p);
    },
    rename(a, b) {
      if (step(`rename ${a}`)) throw new PowerCut('cut at rename');
      nodeBootFs.rename(a, b);
    },
    rm(p) {
      if (step(`rm ${p}`)) throw new PowerCut('cut at rm');
      nodeBootFs.rm(p);
    },
  };
}

t('a fresh folder: nothing installed; adopt makes slot a the confirmed slot', () => {
  const dir = fresh();
  const s = BootSlots.open(dir);
  assert.is(s.state(), null);
  assert.is(thrown(() => s.boot(), BootError).code, 'no-slot');
  s.adopt({ version: '1.0.0' }, filesOf('1.0.0'));
  const b = BootSlots.open(dir).boot();
  assert.equal({ slot: b.slot, version: b.version, trial: b.trial }, { slot: 'a', version: '1.0.0', trial: false });
  assert.equal(tree(b.dir), expected('1.0.0'));
  assert.is(statSync(path.join(b.dir, 'node_modules/node-hid/build/Release/HID.node')).mode & 0o777, 0o755, 'the execute bit is kept');
});

t('stage → boot on trial (counted before it runs) → confirm; the report is taken once', () => {
  const clock = new FakeClock(Date.parse('2026-12-03T10:00:00Z'));
  const dir = installed();
  const s = BootSlots.open(dir, { clock });
  assert.equal(s.stage(imageOf('1.1.0')), { slot: 'b', version: '1.1.0' });
  assert.is(s.activeVersion(), '1.1.0');
  assert.is(s.onTrial(), true);
  assert.equal(tree(s.slotDir('a')), expected('1.0.0'), 'the running slot is untouched');

  const after = BootSlots.open(dir, { clock }); // the reboot
  const b = after.boot();
  assert.equal({ slot: b.slot, version: b.version, trial: b.trial, tries: b.tries }, { slot: 'b', version: '1.1.0', trial: true, tries: 1 });
  assert.is(BootSlots.open(dir).state()!.tries, 1, 'the trial boot is on disk before the firmware runs');
  assert.equal(tree(b.dir), expected('1.1.0'));

  assert.is(after.confirm(), true);
  assert.is(after.confirm(), false, 'a second confirm writes nothing');
  const st = BootSlots.open(dir).state()!;
  assert.equal({ active: st.active, confirmed: st.confirmed, tries: st.tries, previous: st.previous }, { active: 'b', confirmed: true, tries: 0, previous: 'a' });
  assert.is(st.slots.b!.sha256, imageOf('1.1.0').manifest.sha256);
  assert.equal(after.takeReport(), { result: 'confirmed', version: '1.1.0', fromVersion: '1.0.0', running: '1.1.0', at: '2026-12-03T10:00:00.000Z' });
  assert.is(after.takeReport(), null);
  assert.is(BootSlots.open(dir).takeReport(), null, 'taking it cleared it on disk');
});

t('a slot that never confirms is rolled back after maxTries boots (boot-loop)', () => {
  const dir = installed();
  BootSlots.open(dir).stage(imageOf('2.0.0'));
  const boots = [1, 2, 3, 4].map(() => BootSlots.open(dir, { maxTries: 3 }).boot());
  assert.equal(boots.map((b) => `${b.version}${b.trial ? '?' : ''}`), ['2.0.0?', '2.0.0?', '2.0.0?', '1.0.0']);
  const s = BootSlots.open(dir);
  assert.is(s.state()!.active, 'a');
  const r = s.takeReport()!;
  assert.equal([r.result, r.version, r.fromVersion, r.running, r.reason], ['rolled-back', '2.0.0', '1.0.0', '1.0.0', 'boot-loop']);
  assert.equal(tree(s.slotDir('a')), expected('1.0.0'));
});

t('rollback(reason) goes back to the previous slot; without one it is refused', () => {
  const dir = installed();
  const s = BootSlots.open(dir);
  assert.is(thrown(() => s.rollback('health-timeout'), BootError).code, 'no-previous');
  s.stage(imageOf('2.0.0'));
  BootSlots.open(dir).boot();
  const again = BootSlots.open(dir);
  assert.equal(again.rollback('health-timeout'), { slot: 'a', version: '1.0.0' });
  const b = BootSlots.open(dir).boot();
  assert.equal([b.version, b.trial], ['1.0.0', false]);
  assert.equal(BootSlots.open(dir).peekReport()!.reason, 'health-timeout');
  // the next update goes over the failed slot
  const s2 = BootSlots.open(dir);
  assert.equal(s2.stage(imageOf('2.0.1')), { slot: 'b', version: '2.0.1' });
  assert.equal(tree(s2.slotDir('b')), expected('2.0.1'));
});

t('staging again before the reboot replaces the staged image, not the running one', () => {
  const dir = installed();
  const s = BootSlots.open(dir);
  s.stage(imageOf('2.0.0'));
  assert.equal(s.stage(imageOf('2.0.1')), { slot: 'b', version: '2.0.1' });
  assert.equal(tree(s.slotDir('a')), expected('1.0.0'));
  assert.equal(BootSlots.open(dir).state()!.previous, 'a');
  // after a confirmed update the next one goes into the old slot
  BootSlots.open(dir).boot();
  BootSlots.open(dir).confirm();
  assert.equal(BootSlots.open(dir).stage(imageOf('3.0.0')), { slot: 'a', version: '3.0.0' });
});

t('a payload that is not an archive: image-payload, nothing written', () => {
  const dir = installed();
  const before = readFileSync(path.join(dir, 'boot.json'), 'utf8');
  const e = thrown(() => BootSlots.open(dir).stage({ manifest: { version: '2.0.0', sha256: '0'.repeat(64) }, payload: Buffer.from('nope') }), BootError);
  assert.is(e.code, 'image-payload');
  assert.is(readFileSync(path.join(dir, 'boot.json'), 'utf8'), before);
  assert.not.ok(existsSync(path.join(dir, 'slot-b')));
});

t('a full disk while staging: storage error, the old slot active and untouched, no leftovers', () => {
  for (const over of [false, true]) {
    const dir = installed();
    if (over) {
      // the target slot held the previous image: boot.json forgets it first
      BootSlots.open(dir).stage(imageOf('1.5.0'));
      BootSlots.open(dir).boot();
      BootSlots.open(dir).confirm();
    }
    const running = BootSlots.open(dir).state()!.active;
    let written = 0;
    const full: BootFs = {
      ...nodeBootFs,
      writeFile(f, data, mode) {
        if (f.includes('.tmp') && !f.endsWith('boot.json.tmp') && ++written === 2) {
          nodeBootFs.writeFile(f, data.subarray(0, 10), mode);
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        nodeBootFs.writeFile(f, data, mode);
      },
    };
    const e = thrown(() => BootSlots.open(dir, { fs: full }).stage(imageOf('2.0.0')), BootError);
    assert.is(e.code, 'storage');
    assert.match(e.message, /disk is full/);
    const s = BootSlots.open(dir);
    const b = s.boot();
    assert.equal([b.slot, b.version, b.trial], [running, over ? '1.5.0' : '1.0.0', false]);
    assert.equal(tree(b.dir), expected(b.version));
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  }
});

t('a boot.json that is not ours: bad-state', () => {
  const dir = fresh();
  BootSlots.open(dir);
  scratch.file(`${path.basename(dir)}/boot.json`, '{"format":1');
  assert.is(thrown(() => BootSlots.open(dir), BootError).code, 'bad-state');
});

/**
 * A power cut at every filesystem operation of `action`: then the folder is opened again
 * with the real fs and booted. It must boot one of `allowed`, whole, and say which; and it
 * must still take an update afterwards.
 */
function cutEverywhere(name: string, setup: () => string, action: (s: BootSlots) => void, allowed: string[]): void {
  const probe = cuttingFs(Infinity);
  action(BootSlots.open(setup(), { fs: probe }));
  const total = probe.ops.length;
  assert.ok(total > 10, `${name}: ${total} operations`);
  const seen = new Map<string, number>();
  for (let i = 0; i < total; i++) {
    const dir = setup();
    const fs = cuttingFs(i);
    try {
      action(BootSlots.open(dir, { fs }));
      assert.unreachable(`${name}: the cut at operation ${i} (${probe.ops[i]}) did not stop it`);
    } catch (err) {
      if (!(err instanceof PowerCut) && !(err instanceof BootError && err.code === 'storage')) throw err;
    }
    const s = BootSlots.open(dir);
    const b = s.boot();
    const where = `${name}: cut at ${i} (${probe.ops[i]})`;
    assert.ok(allowed.includes(b.version), `${where}: booted ${b.version}`);
    assert.equal(tree(b.dir), expected(b.version), `${where}: slot ${b.slot} holds ${b.version} whole`);
    assert.equal(readdirSync(dir).filter((f) => /\.(tmp|old)$/.test(f)), [], `${where}: leftovers swept`);
    seen.set(b.version, (seen.get(b.version) ?? 0) + 1);
    // and it still updates
    const after = BootSlots.open(dir);
    after.confirm();
    after.stage(imageOf('9.0.0'));
    const next = BootSlots.open(dir).boot();
    assert.equal(tree(next.dir), expected('9.0.0'), `${where}: a later update works`);
    rmSync(dir, { recursive: true, force: true });
  }
  // both outcomes happen: before the switch the old image, after it the new one
  for (const v of allowed) assert.ok(seen.has(v), `${name}: some cut boots ${v} (${JSON.stringify([...seen])})`);
}

t('a power cut at every operation of stage + boot + confirm boots the old or the new image, whole', () => {
  cutEverywhere(
    'update',
    () => installed(),
    (s) => {
      s.stage(imageOf('2.0.0'));
      const b = s.boot();
      assert.is(b.version, '2.0.0');
      s.confirm();
      s.takeReport();
    },
    ['1.0.0', '2.0.0'],
  );
});

t('a power cut at every operation of an update over the previous slot', () => {
  const base = fresh();
  installed(base);
  BootSlots.open(base).stage(imageOf('2.0.0'));
  BootSlots.open(base).boot();
  BootSlots.open(base).confirm();
  cutEverywhere(
    'update over the previous slot',
    () => {
      const d = fresh();
      cpSync(base, d, { recursive: true });
      return d;
    },
    (s) => {
      s.stage(imageOf('3.0.0'));
      s.boot();
      s.confirm();
    },
    ['2.0.0', '3.0.0'],
  );
});

t('a power cut at every operation of a rollback (and of a boot-loop rollback)', () => {
  const base = fresh();
  installed(base);
  BootSlots.open(base).stage(imageOf('2.0.0'));
  BootSlots.open(base).boot();
  const copy = () => {
    const d = fresh();
    cpSync(base, d, { recursive: true });
    return d;
  };
  cutEverywhere(
    'rollback',
    copy,
    (s) => {
      s.rollback('health-timeout');
      s.takeReport();
      s.stage(imageOf('2.0.1'));
    },
    ['1.0.0', '2.0.0', '2.0.1'],
  );
  cutEverywhere(
    'boot loop',
    copy,
    (s) => {
      for (let i = 0; i < 4; i++) s.boot();
      s.stage(imageOf('2.0.1'));
    },
    ['1.0.0', '2.0.0', '2.0.1'],
  );
});

t.run();
