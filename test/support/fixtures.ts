/** Payload fixtures shared by tests of the device side (UI, mirror, bridge). */
import type { DeptPublic } from '../../protocol/index.js';

/** A department's public projection with everything a test does not care about filled in. */
export function deptPublicFixture(p: Partial<DeptPublic> & { deptId: string; name: string }): DeptPublic {
  return {
    phoneHours: 'Mo-Fr 08:00-15:00',
    sensitive: false,
    tasks: [],
    groups: [],
    openNow: true,
    today: { date: '2026-11-23', holiday: null, open: [{ from: '08:00', to: '15:00' }] },
    nextChange: '2026-11-23T14:00:00.000Z',
    outsideHours: { da: `${p.name} har lukket.`, en: `${p.name} is closed.` },
    closures: [],
    peaks: [],
    rev: 1,
    updatedAt: '2026-11-23T08:00:00.000Z',
    ...p,
  };
}
