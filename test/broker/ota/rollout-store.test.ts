/** Rollouts in SQLite (migration 5): saved with their devices, read back as they were, across a reopen. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Rollout } from '../../../broker/ota/rollout.js';
import { SqliteStore } from '../../../broker/store/sqlite-store.js';
import { tempDir } from '../../support/system.js';

const test = suite('broker/ota/rollout-store');

test('a rollout and its devices survive a reopen; later saves write only what changed', () => {
  const dir = tempDir();
  const file = path.join(dir, 'omstil.db');
  try {
    const now = new Date('2026-12-03T10:00:00Z');
    const { rollout } = Rollout.create(
      { id: 'r1', image: { version: '1.1.0', kind: 'any', size: 1000, sha256: 'b'.repeat(64), chunkSize: 256 }, stages: [50, 100] },
      [0, 1, 2, 3].map((i) => ({ deviceId: `phone-${i}`, kind: 'phone' as const, fw: '1.0.0', online: true })),
      now,
    );
    const s1 = new SqliteStore({ file });
    assert.is(s1.schemaVersion, 7);
    s1.saveRollout(rollout.record, [...rollout.devices.values()], { at: now.toISOString(), actor: 'admin:api', op: 'ota-rollout', detail: { rollout: 'r1' } });
    const first = rollout.record.order[0]!;
    rollout.report(first, { job: 'r1', state: 'confirmed', done: 4, total: 4, running: '1.1.0', error: null, at: now.toISOString() }, now);
    s1.saveRollout(rollout.record, [rollout.devices.get(first)!]);
    assert.is(s1.journal(1)[0]!.op, 'ota-rollout');
    s1.close();
    const s2 = new SqliteStore({ file });
    const [back] = s2.loadRollouts();
    s2.close();
    assert.ok(back);
    assert.equal(back!.record, rollout.record);
    assert.is(back!.devices.length, 4);
    const restored = Rollout.restore(back!.record, back!.devices);
    // who is online is not stored: it comes back with the devices' births
    for (const id of rollout.record.order) restored.deviceOnline(id, true, null, now);
    assert.equal(restored.summary(), rollout.summary());
    assert.is(restored.devices.get(first)!.state, 'confirmed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
