import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallbackMessage } from '../../protocol/index.js';
import { en } from '../../device-ui/i18n/en.js';
import { msg, whenText } from '../../device-ui/i18n/index.js';
import { isOverdue, messageCounts, messageRows, takenBy } from '../../device-ui/message-model.js';
import { own, person, phoneView } from './fixtures.js';

const t = suite('device-ui/message-model');

const NOW = new Date('2026-11-23T10:00:00+01:00');

function message(id: string, extra: Partial<CallbackMessage> = {}): CallbackMessage {
  return {
    id,
    for: 'anna-holm',
    forName: 'Anna Holm',
    askedFor: null,
    askedForName: null,
    callerName: 'Jens Borger',
    callerNumber: '+45 12 34 56 78',
    text: 'Om sit pas',
    takenBy: 'kiosk-1',
    takenAt: '2026-11-23T08:00:00.000Z',
    due: '2026-11-24T08:00:00.000Z',
    rule: 'AS-1',
    status: 'waiting',
    ...extra,
  };
}

t('AS-2: overdue when the due time has come and it is not called back', () => {
  assert.ok(isOverdue({ due: '2026-11-23T09:00:00.000Z', status: 'waiting' }, NOW), 'exactly due counts as late');
  assert.ok(isOverdue({ due: '2026-11-23T08:59:00.000Z', status: 'acknowledged' }, NOW), 'seen but not called back');
  assert.not.ok(isOverdue({ due: '2026-11-23T09:01:00.000Z', status: 'waiting' }, NOW));
  assert.not.ok(isOverdue({ due: '2026-11-22T09:00:00.000Z', status: 'done' }, NOW), 'done is never late');
  assert.not.ok(isOverdue({ due: 'junk', status: 'waiting' }, NOW));
});

t('AS-4: the list is oldest due first, without done ones, with overdue, group and asked-for marked', () => {
  const me = own(person('anna-holm'), {
    messages: [
      message('m-3', { due: '2026-11-25T08:00:00.000Z' }),
      message('m-1', { due: '2026-11-23T08:30:00.000Z', status: 'acknowledged' }),
      message('m-4', { status: 'done', due: '2026-11-20T08:00:00.000Z' }),
      message('m-2', { due: '2026-11-24T08:00:00.000Z', for: 'bs-gruppe', forName: 'Borgerservice, fællesnummer' }),
      message('m-5', { due: '2026-11-26T08:00:00.000Z', askedFor: 'bo-berg', askedForName: 'Bo Berg', rule: 'AS-3' }),
    ],
  });
  const rows = messageRows(me, NOW);
  assert.equal(
    rows.map((r) => [r.message.id, r.overdue, r.forGroup, r.askedFor]),
    [
      ['m-1', true, null, null],
      ['m-2', false, 'Borgerservice, fællesnummer', null],
      ['m-3', false, null, null],
      ['m-5', false, null, 'Bo Berg'],
    ],
  );
  assert.equal(messageCounts(me, NOW), { open: 4, waiting: 3, overdue: 1 });
  assert.equal(messageCounts(null, NOW), { open: 0, waiting: 0, overdue: 0 });
});

t('same due time: the one taken first comes first', () => {
  const me = own(person('anna-holm'), { messages: [message('m-b', { takenAt: '2026-11-23T08:10:00.000Z' }), message('m-a', { takenAt: '2026-11-23T08:05:00.000Z' })] });
  assert.equal(messageRows(me, NOW).map((r) => r.message.id), ['m-a', 'm-b']);
});

t('who took it: reception for a kiosk, a phone\'s person by name, a system as nobody in particular', () => {
  const view = phoneView(own(person('anna-holm')), [person('bo-berg')]);
  assert.equal(takenBy({ takenBy: 'kiosk-2' }, view), { kind: 'reception' });
  assert.equal(takenBy({ takenBy: 'phone-bo-berg' }, view), { kind: 'name', name: 'Bo Berg' });
  assert.equal(takenBy({ takenBy: 'phone-anna-holm' }, view), { kind: 'name', name: 'Anna Holm' });
  assert.equal(takenBy({ takenBy: 'Carl Ek' }, view), { kind: 'name', name: 'Carl Ek' });
  assert.equal(takenBy({ takenBy: 'phone-ukendt' }, view), { kind: 'name', name: 'phone-ukendt' });
  assert.equal(takenBy({ takenBy: 'admin:api' }, view), { kind: 'unnamed' });
});

t('AS-4: an escalated message says from whom on the phone it escalated to, and to whom on the recipient\'s; overdue since its due time, 24-hour Copenhagen', () => {
  const esc = (toMe: boolean) => ({ level: 1 as const, from: 'anna-holm', fromName: 'Anna Holm', to: 'bs-gruppe', toName: 'Borgerservice, fællesnummer', overdueSince: '2026-11-23T08:30:00.000Z', at: '2026-11-23T08:30:01.000Z', toMe });
  const mine = own(person('bo-berg'), { messages: [message('m-1', { due: '2026-11-23T08:30:00.000Z', escalation: esc(true) })] });
  const [row] = messageRows(mine, NOW);
  assert.equal([row!.overdue, row!.forGroup, row!.escalation], [true, null, { level: 1, toMe: true, name: 'Anna Holm', overdueSince: '2026-11-23T08:30:00.000Z' }]);
  const since = whenText(row!.escalation!.overdueSince, NOW, 'da')!;
  assert.match(since, /09\.30/, '24-hour Copenhagen time');
  assert.is(msg('da').messageEscalatedFrom('Anna Holm', since), `Overskredet siden ${since} – eskaleret fra Anna Holm`);
  assert.match(en.messageEscalatedFrom('Anna Holm', whenText(row!.escalation!.overdueSince, NOW, 'en')!), /^Overdue since .*09:30 – escalated from Anna Holm$/);
  const theirs = own(person('anna-holm'), { messages: [message('m-1', { due: '2026-11-23T08:30:00.000Z', escalation: esc(false) })] });
  assert.equal(messageRows(theirs, NOW)[0]!.escalation, { level: 1, toMe: false, name: 'Borgerservice, fællesnummer', overdueSince: '2026-11-23T08:30:00.000Z' });
  assert.is(messageRows(own(person('anna-holm'), { messages: [message('m-2')] }), NOW)[0]!.escalation, null, 'not escalated');
});

t.run();
