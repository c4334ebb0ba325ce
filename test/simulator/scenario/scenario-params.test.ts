import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_PARAMS, PARAM_TEXT, paramLines, scenarioParams, ScenarioParamsError, type ScenarioParams } from '../../../simulator/scenario/scenario-params.js';

const t = suite('simulator/scenario/scenario-params');

t('the defaults are the issue\'s mid-size municipality', () => {
  const p = scenarioParams();
  assert.is(p.departments, 20);
  assert.equal(p.staff, [10, 40]);
  assert.is(p.meetingShare, 0.15);
  assert.is(p.absentShare, 0.05);
  // one day to two weeks
  assert.equal(p.absenceDays, [1, 14]);
  assert.equal(p.callsPerHour, [4, 30]);
  assert.equal(p.callMinutes, [3, 5]);
  assert.equal(p.lunchWindow, ['11:00', '13:00']);
  assert.ok(p.lunchMinutes > 0);
  assert.ok(p.closures[0] >= 1 && p.closures[1] <= 2, 'one or two departments close (PH-3)');
  // adoption of the buttons is a parameter, not 100 %
  assert.ok(p.meetingDivertShare > 0 && p.meetingDivertShare < 1);
  assert.ok(p.lunchAwayShare > 0 && p.lunchAwayShare < 1);
  assert.ok(p.calendarShare < 1);
});

t('overrides are kept and the defaults stay frozen', () => {
  const p = scenarioParams({ seed: 9, departments: 3 });
  assert.is(p.seed, 9);
  assert.is(p.departments, 3);
  assert.is(DEFAULT_PARAMS.seed, 1);
  assert.ok(Object.isFrozen(DEFAULT_PARAMS));
});

t('a bad parameter is refused, naming it', () => {
  const cases: [Partial<ScenarioParams>, keyof ScenarioParams, RegExp][] = [
    [{ departments: 0 }, 'departments', /1\.\.200/],
    [{ date: '2026-02-30' }, 'date', /YYYY-MM-DD/],
    [{ date: '2026-11-28' }, 'date', /not a workday/],
    [{ date: '2026-12-25' }, 'date', /not a workday/],
    [{ meetingShare: 1.5 }, 'meetingShare', /between 0 and 1/],
    [{ staff: [40, 10] }, 'staff', /above max/],
    [{ channelShares: { personal: 0.5, function: 0.5, main: 0.5 } }, 'channelShares', /must be 1/],
    [{ lunchWindow: ['13:00', '11:00'] }, 'lunchWindow', /HH:MM/],
    [{ seed: 1.5 }, 'seed', /whole number/],
  ];
  for (const [over, param, message] of cases) {
    try {
      scenarioParams(over);
      assert.unreachable(`${param} accepted`);
    } catch (err) {
      assert.instance(err, ScenarioParamsError);
      assert.is((err as ScenarioParamsError).param, param);
      assert.match((err as Error).message, message);
    }
  }
});

t('the printed lines name every parameter with the value used', () => {
  const p = scenarioParams({ seed: 42, departments: 7 });
  const lines = paramLines(p);
  assert.equal(lines.map((l) => l[0]).sort(), Object.keys(p).sort());
  assert.equal(Object.keys(PARAM_TEXT).sort(), Object.keys(p).sort());
  const byName = new Map(lines.map((l) => [l[0], l[1]]));
  assert.is(byName.get('seed'), '42');
  assert.is(byName.get('departments'), '7');
  assert.is(byName.get('meetingShare'), '15 %');
  assert.is(byName.get('callsPerHour'), '4-30');
  assert.is(byName.get('channelShares'), '40 % / 40 % / 20 %');
});

t.run();
