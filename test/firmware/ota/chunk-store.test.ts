/**
 * OtaStaging: one contract suite run against the memory and the file adapter, then what only
 * the file adapter promises: a restart keeps what was held (OTA-S1: never a chunk marked that
 * was not fully written, a torn mark ignored), another image drops the old marks (OTA-S2),
 * and a full disk is a `storage` error.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, symlinkSync, mkdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileOtaStaging, MemoryOtaStaging, OtaStagingError, STAGING_FILES, type OtaStaging, type StagedOffer, type StagingFile } from '../../../firmware/ota/chunk-store.js';
import { sha256 } from './ota-harness.js';

let root = '';
let n = 0;
const folder = () => path.join(root, `s${n++}`);

const image = randomBytes(1000);
const offer = (o: Partial<StagedOffer> = {}): StagedOffer => ({ job: 'job-1', version: '1.1.0', sha256: sha256(image), size: image.length, chunkSize: 256, at: '2026-12-03T10:00:00.000Z', ...o });
const chunk = (i: number) => image.subarray(i * 256, Math.min(image.length, (i + 1) * 256));

async function rejects(fn: () => Promise<unknown>, re: RegExp): Promise<void> {
  const err = await fn().then(
    () => null,
    (e: unknown) => e as Error,
  );
  assert.ok(err, 'it should have rejected');
  assert.match(err!.message, re);
}

function contract(name: string, make: () => OtaStaging) {
  const t = suite(`firmware/ota/chunk-store (${name})`);
  t.before(() => {
    root ||= mkdtempSync(path.join(os.tmpdir(), 'omstil-ota-staging-'));
  });

  t('begin, write, has, missing, bytes', async () => {
    const s = make();
    assert.is(s.load(), null);
    const job = await s.begin(offer());
    assert.is(job.chunks, 4);
    assert.is(job.held, 0);
    assert.equal(s.missing(), [0, 1, 2, 3]);
    await Promise.all([s.write(2, chunk(2)), s.write(0, chunk(0)), s.write(3, chunk(3))]);
    assert.ok(s.has(0) && !s.has(1) && s.has(2) && s.has(3));
    assert.equal(s.missing(), [1]);
    await rejects(() => s.bytes(), /not complete/);
    await s.write(1, chunk(1));
    assert.equal(s.missing(), []);
    assert.ok(Buffer.from(await s.bytes()).equals(image));
    assert.equal([...s.load()!.have], [0b1111]);
  });

  t('a chunk of the wrong length or index is refused', async () => {
    const s = make();
    await s.begin(offer());
    await rejects(async () => s.write(3, chunk(0)), /expected 232/);
    await rejects(async () => s.write(4, chunk(0)), /outside/);
  });

  t('the same job and SHA-256 resumes; another image starts over', async () => {
    const s = make();
    await s.begin(offer());
    await s.write(1, chunk(1));
    assert.is((await s.begin(offer())).held, 1, 'a re-offer resumes');
    assert.is((await s.begin(offer({ job: 'job-2' }))).held, 0, 'another job starts over');
    await s.write(0, chunk(0));
    assert.is((await s.begin(offer({ job: 'job-2', sha256: 'f'.repeat(64) }))).held, 0, 'another image under the same job starts over');
  });

  t('clear; the installed record outlives it until forgotten', async () => {
    const s = make();
    await s.begin(offer());
    await s.write(0, chunk(0));
    await s.noteInstalled({ job: 'job-1', version: '1.1.0', size: 1000 });
    assert.is(s.load(), null, 'the chunks are dropped when installed');
    assert.equal(s.installed(), { job: 'job-1', version: '1.1.0', size: 1000 });
    await s.begin(offer({ job: 'job-3' }));
    await s.clear();
    assert.is(s.load(), null);
    assert.equal(s.missing(), []);
    assert.equal(s.installed()?.job, 'job-1');
    await s.forgetInstalled();
    assert.is(s.installed(), null);
  });

  return t;
}

const memory = contract('memory', () => new MemoryOtaStaging());
const file = contract('file', () => new FileOtaStaging({ dir: folder() }));
memory.run();

const f = suite('firmware/ota/chunk-store (file only)');

f('a restart keeps what was held; the marks file is append-only uint32 LE', async () => {
  const dir = folder();
  const s = new FileOtaStaging({ dir });
  await s.begin(offer());
  await Promise.all([s.write(3, chunk(3)), s.write(1, chunk(1))]);
  await s.close();
  const marks = readFileSync(path.join(dir, STAGING_FILES.have));
  assert.equal([marks.readUInt32LE(0), marks.readUInt32LE(4)].sort(), [1, 3]);
  const again = new FileOtaStaging({ dir });
  const job = again.load()!;
  assert.is(job.job, 'job-1');
  assert.is(job.held, 2);
  assert.equal(again.missing(), [0, 2]);
  await again.begin(offer());
  await Promise.all([again.write(0, chunk(0)), again.write(2, chunk(2))]);
  assert.ok(Buffer.from(await again.bytes()).equals(image));
  await again.clear();
});

f('OTA-S1: a power cut before the fsync (or mid-append) never leaves a chunk marked held', async () => {
  const dir = folder();
  let hang = false;
  const s = new FileOtaStaging({
    dir,
    open: async (file, flags) => {
      const h = await open(file, flags);
      return {
        write: (b, o, l, p) => h.write(b, o, l, p),
        // the power goes while the data is being flushed: it never returns
        datasync: () => (hang ? new Promise<void>(() => {}) : h.datasync()),
        close: () => h.close(),
      } satisfies StagingFile;
    },
  });
  await s.begin(offer());
  await s.write(0, chunk(0));
  hang = true;
  void s.write(1, chunk(1));
  await new Promise((r) => setTimeout(r, 50));
  // the "next boot" reads the disk as the cut left it
  const after = new FileOtaStaging({ dir });
  assert.equal(after.load()?.held, 1);
  assert.equal(after.missing(), [1, 2, 3]);
  // a torn mark (2 of 4 bytes appended) is ignored
  appendFileSync(path.join(dir, STAGING_FILES.have), Buffer.from([2, 0]));
  assert.equal(new FileOtaStaging({ dir }).load()?.held, 1);
});

f('a full disk is an OtaStagingError with code storage (a real ENOSPC from /dev/full)', async () => {
  const dir = folder();
  mkdirSync(dir, { recursive: true });
  symlinkSync('/dev/full', path.join(dir, STAGING_FILES.image));
  const s = new FileOtaStaging({ dir });
  await s.begin(offer());
  const err = await s.write(0, chunk(0)).then(
    () => null,
    (e: unknown) => e,
  );
  assert.instance(err, OtaStagingError);
  assert.is((err as OtaStagingError).code, 'storage');
  assert.is((err as OtaStagingError).errno, 'ENOSPC');
  assert.not.ok(s.has(0));
  await s.close();
  assert.is(new FileOtaStaging({ dir }).load()?.held, 0, 'nothing marked');
});

f.after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

file.run();
f.run();
