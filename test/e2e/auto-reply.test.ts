/**
 * Seed 000 ("Autosvar i Outlook aktiveres ved fravær") end to end: an absence set on the phone
 * with autoReply schedules the Outlook automatic reply through Microsoft Graph with back-at and
 * the colleague to call; clearing the absence turns it off. PR-2: the reason never goes to
 * Outlook. Graph is the documented stand-in (test/support/fake-graph.ts): no Graph service is
 * reachable from here.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GraphCalendar } from '../../broker/calendar/graph-calendar.js';
import { FakeGraph } from '../support/fake-graph.js';
import { clockFrom, startSystem, type TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const e2e = suite('e2e/auto-reply');
const graph = new FakeGraph();
let sys: TestSystem;
let A: string, B: string, user: string;

e2e.before(async () => {
  await graph.start();
  const probe = await startSystem({ phones: 0, kiosks: 0 });
  const [, anna, bo] = probe.directory.data.people;
  await probe.stop();
  A = anna!.id;
  B = bo!.id;
  user = `${A}@kommune.dk`;
  const mailbox = new GraphCalendar({ id: 'anna-m365', personId: A, user, baseUrl: graph.baseUrl, token: async () => graph.token });
  sys = await startSystem({ clock: clockFrom('2026-11-23T10:00:00+01:00'), calendarSources: [mailbox] });
  await waitFor(() => sys.fleet.core(`phone-${A}`).mirror.me, 'anna\'s phone');
});
e2e.after(async () => {
  await sys?.stop();
  await graph.stop();
});

e2e('an absence set on the phone with autoReply sets the Outlook auto-reply with back-at and the colleague, never the reason; back clears it', async () => {
  const phone = sys.fleet.core(`phone-${A}`);
  const back = '2026-11-30T08:00:00+01:00';
  await phone.call('set-absence', { until: new Date(back).toISOString(), reason: 'Lægebesøg og sygdom', divertTo: B, autoReply: true });
  const reply = await waitFor(() => {
    const r = graph.autoReplies(user);
    return r.status === 'scheduled' ? r : null;
  }, 'Graph to get the auto-reply', 5000);
  const text = JSON.stringify(reply);
  assert.match(text, 'mandag 30. november kl. 8.00');
  assert.match(text, sys.directory.people.get(B)!.name);
  assert.not.match(text, 'Lægebesøg');
  assert.not.match(text, 'sygdom');
  await phone.call('clear-absence', {});
  await waitFor(() => graph.autoReplies(user).status === 'disabled', 'the auto-reply to be turned off', 5000);
});

e2e('an absence without autoReply leaves Outlook alone', async () => {
  const before = graph.requestsTo('/mailboxSettings').length;
  await sys.fleet.core(`phone-${A}`).call('set-absence', { until: new Date('2026-11-23T12:00:00+01:00').toISOString() });
  await new Promise((r) => setTimeout(r, 300));
  assert.is(graph.requestsTo('/mailboxSettings').length, before);
  await sys.fleet.core(`phone-${A}`).call('clear-absence', {});
});

e2e.run();
