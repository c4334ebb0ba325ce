/** A QuarterReport built by hand (checked against the schema) for the renderers' tests. */
import { QuarterReport, type ReportFigures } from '../../../protocol/index.js';

export function figures(over: Partial<ReportFigures> = {}): ReportFigures {
  return {
    offered: 0,
    answered: 0,
    answerRate: null,
    waitAvgS: null,
    waitP90S: null,
    transfersPerCall: null,
    metUnavailable: 0,
    messageCalls: 0,
    voicemail: 0,
    lost: 0,
    diversions: 0,
    messages: 0,
    callbacksOnTime: 0,
    callbacksLate: 0,
    callbacksOpen: 0,
    callbackOnTimeRate: null,
    ...over,
  };
}

/** Borgerservice 93 % / 28 s, a department with a name to escape, and one with no calls at all. */
export function sampleReport(): QuarterReport {
  const borgerservice = figures({ offered: 1000, answered: 930, answerRate: 0.93, waitAvgS: 28, waitP90S: 61.5, transfersPerCall: 0.125, metUnavailable: 40, messageCalls: 50, voicemail: 5, lost: 15, diversions: 12, messages: 60, callbacksOnTime: 45, callbacksLate: 10, callbacksOpen: 5, callbackOnTimeRate: 45 / 55 });
  const pas = figures({ offered: 400, answered: 300, answerRate: 0.75, waitAvgS: 12.25, waitP90S: 30, transfersPerCall: 0.5, metUnavailable: 20, messageCalls: 80, voicemail: 10, lost: 10, diversions: 3, messages: 90, callbacksOnTime: 60, callbacksLate: 20, callbacksOpen: 10, callbackOnTimeRate: 0.75 });
  const pasFn = figures({ offered: 150, answered: 120, answerRate: 0.8, waitAvgS: 10, waitP90S: 22, transfersPerCall: 0.25, messages: 30, callbacksOnTime: 25, callbacksLate: 5, callbackOnTimeRate: 25 / 30 });
  const empty = figures();
  const totals = figures({ offered: 1400, answered: 1230, answerRate: 1230 / 1400, waitAvgS: 24.1, waitP90S: 55, transfersPerCall: 0.2154, metUnavailable: 60, messageCalls: 130, voicemail: 15, lost: 25, diversions: 15, messages: 150, callbacksOnTime: 105, callbacksLate: 30, callbacksOpen: 15, callbackOnTimeRate: 105 / 135 });
  const weeks = [];
  for (let w = 40; w <= 53; w++) weeks.push({ week: `2026-W${w}`, offered: 100 + (w % 3) * 10, answered: 90 + (w % 3) * 5, answerRate: (90 + (w % 3) * 5) / (100 + (w % 3) * 10) });
  return QuarterReport.parse({
    quarter: '2026Q4',
    municipality: 'Norddjurs Kommune',
    from: '2026-10-01',
    to: '2026-12-31',
    generatedAt: '2026-12-03T14:05:00.000Z',
    timezone: 'Europe/Copenhagen',
    partial: true,
    totals,
    departments: [
      { id: 'borgerservice', name: 'Borgerservice', figures: borgerservice, functions: [] },
      { id: 'boern-unge', name: 'Børn & <Unge> "PPR"', figures: pas, functions: [{ id: 'pas-visitation', name: 'Pladsanvisning <visitation>', figures: pasFn }] },
      { id: 'natur', name: 'Natur og Miljø', figures: empty, functions: [] },
    ],
    weeks,
  });
}
