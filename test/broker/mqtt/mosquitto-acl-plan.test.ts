/**
 * Issue 10 (pure): access.ts's rules as Mosquitto dynamic-security roles, checked against
 * AccessControl itself for every topic of the demo directory, and the reconcile/issue/revoke
 * plans: deny by default, roles made and mended, a leader's phone given its staff's own topics
 * (PR-4), revoked and departed devices disabled, the plugin's other clients left alone, and
 * warnings (never made-up logins) where only a new token helps.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildTopic, filters, type Topic } from '../../../protocol/index.js';
import { Directory } from '../../../broker/directory/directory.js';
import { AccessControl, type Principal } from '../../../broker/mqtt/access.js';
import {
  DEFAULT_ACCESS,
  DEVICES_ROLE,
  HUB_ROLE,
  TEXTNAME,
  desiredRoles,
  deviceRoleName,
  hubRole,
  personRoleName,
  planIssue,
  planReconcile,
  planRevoke,
  rolesOfDevice,
  type DynsecAcl,
  type DynsecClient,
  type DynsecRole,
  type ReconcileInput,
} from '../../../broker/mqtt/mosquitto-acl-plan.js';
import { topicMatches } from '../../../firmware/device-core.js';
import { demoDirectory } from '../../../simulator/demo/demo-directory.js';

const t = suite('broker/mqtt/mosquitto-acl-plan');
const data = demoDirectory({ peoplePerDept: 3, kiosks: 1 });
const directory = Directory.parse(data);
const leader = data.people.find((p) => p.role === 'employee' && p.leader === null && directory.staffOf(p.id).length > 0)!;
const staff = directory.staffOf(leader.id)[0]!;
const other = data.people.find((p) => p.role === 'employee' && p.id !== leader.id && p.leader !== leader.id)!;
const phoneOf = (personId: string) => directory.devicesOfPerson(personId)[0]!.id;
const kiosk = data.devices.find((d) => d.kind === 'kiosk')!.id;

const ROLES = desiredRoles(directory);

/** What a client holding these roles may do, as the plugin decides it: the first matching ACL, else the default. */
function allowed(roles: readonly string[], acltype: DynsecAcl['acltype'], topic: string, all = ROLES): boolean {
  for (const name of roles) {
    for (const acl of all.get(name)?.acls ?? []) {
      if (acl.acltype === acltype && topicMatches(acl.topic, topic)) return acl.allow;
    }
  }
  return acltype === 'publishClientSend' ? DEFAULT_ACCESS.publishClientSend : acltype === 'publishClientReceive' ? DEFAULT_ACCESS.publishClientReceive : DEFAULT_ACCESS.subscribe;
}

/** Every concrete topic of the demo directory. */
function everyTopic(): string[] {
  const out: Topic[] = [{ kind: 'hub-status' }, { kind: 'broadcast' }];
  for (const d of data.devices) {
    for (const kind of ['device-status', 'device-config', 'device-req', 'device-res'] as const) out.push({ kind, deviceId: d.id });
    for (const part of ['offer', 'want', 'chunk', 'progress'] as const) out.push({ kind: 'device-ota', deviceId: d.id, part });
  }
  for (const p of data.people) out.push({ kind: 'person-public', personId: p.id }, { kind: 'person-own', personId: p.id }, { kind: 'dept-member', deptId: p.dept, personId: p.id });
  for (const d of data.departments) out.push({ kind: 'dept-public', deptId: d.id });
  return out.map(buildTopic);
}

t('the roles grant exactly what access.ts grants: every device, every topic, publish and receive', () => {
  const access = new AccessControl(() => directory, { hubPassword: 'x', allowObservers: false });
  const topics = everyTopic();
  let checked = 0;
  for (const device of data.devices) {
    const p: Principal = { role: 'device', deviceId: device.id, personId: device.person };
    const roles = rolesOfDevice(directory, device.id);
    for (const topic of topics) {
      assert.is(allowed(roles, 'publishClientSend', topic), access.canPublish(p, topic), `${device.id} publish ${topic}`);
      assert.is(allowed(roles, 'publishClientReceive', topic), access.canReceive(p, topic), `${device.id} receive ${topic}`);
      assert.is(allowed(roles, 'subscribePattern', topic), access.canReceive(p, topic), `${device.id} subscribe ${topic}`);
      checked++;
    }
  }
  assert.ok(checked > 1000, `${checked} checks`);
  const hub = [HUB_ROLE];
  for (const topic of topics) assert.ok(allowed(hub, 'publishClientSend', topic) && allowed(hub, 'publishClientReceive', topic), topic);
  assert.not.ok(allowed(hub, 'publishClientSend', 'elsewhere/x'), 'the hub: only under omstil/');
});

t('PR-2/PR-4: a leader\'s phone holds its staff\'s person roles; a colleague\'s does not; a kiosk holds only the public and its own', () => {
  assert.equal(rolesOfDevice(directory, phoneOf(leader.id)), [DEVICES_ROLE, deviceRoleName(phoneOf(leader.id)), personRoleName(leader.id), ...directory.staffOf(leader.id).map((p) => personRoleName(p.id))]);
  assert.equal(rolesOfDevice(directory, phoneOf(staff.id)), [DEVICES_ROLE, deviceRoleName(phoneOf(staff.id)), personRoleName(staff.id)]);
  assert.not.ok(rolesOfDevice(directory, phoneOf(other.id)).includes(personRoleName(staff.id)));
  assert.equal(rolesOfDevice(directory, kiosk), [DEVICES_ROLE, deviceRoleName(kiosk)]);
  assert.equal(rolesOfDevice(directory, 'phone-nobody'), []);
});

t('wildcard subscriptions: public wildcards as devices use them pass; # and person/+/own match no role', () => {
  // the plugin matches a subscription's filter against the ACL's pattern; a wildcard in the filter matches only a wildcard there
  const roles = rolesOfDevice(directory, kiosk);
  const patterns = roles.flatMap((r) => desiredRoles(directory).get(r)!.acls.filter((a) => a.acltype === 'subscribePattern').map((a) => a.topic));
  const covered = (sub: string) => patterns.some((p) => p === sub || subMatches(p, sub));
  for (const sub of [filters.allPersonPublic, filters.allDeptPublic, filters.deptMembers(staff.dept), filters.broadcast]) assert.ok(covered(sub), sub);
  for (const sub of ['#', 'omstil/#', 'omstil/v1/person/+/own', 'omstil/v1/person/#', `omstil/v1/device/${phoneOf(staff.id)}/config`]) assert.not.ok(covered(sub), sub);
});

/** Mosquitto's subscribePattern check: `+` in the pattern takes one level of the filter (a `+` there too), `#` the rest. */
function subMatches(pattern: string, sub: string): boolean {
  const a = pattern.split('/');
  const s = sub.split('/');
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '#') return true;
    if (i >= s.length) return false;
    if (a[i] !== '+' && a[i] !== s[i]) return false;
  }
  return a.length === s.length;
}

const fresh = (): ReconcileInput => ({
  directory,
  credential: () => 'none',
  clients: [{ username: 'omstil-hub', roles: [{ rolename: 'admin' }] }],
  roles: [{ rolename: 'admin', acls: [] }],
  defaults: { publishClientSend: false, publishClientReceive: true, subscribe: false, unsubscribe: true },
  hubUsername: 'omstil-hub',
});

t('reconcile on a fresh plugin: defaults deny, the shared roles made (a device\'s come with its login), the hub\'s role missing', () => {
  const plan = planReconcile(fresh());
  assert.equal(plan.commands[0], { command: 'setDefaultACLAccess', acls: [{ acltype: 'publishClientReceive', allow: false }] });
  const made = plan.commands.filter((c) => c.command === 'createRole');
  assert.equal(made.map((c) => c.rolename), [HUB_ROLE, DEVICES_ROLE]);
  assert.equal(made[1]!.acls, desiredRoles(directory).get(DEVICES_ROLE)!.acls);
  assert.ok(plan.hubRoleMissing);
  assert.equal(plan.disabled, []);
  assert.equal(plan.warnings, []);
});

t('reconcile in step: nothing to send', () => {
  const phone = phoneOf(staff.id);
  const input: ReconcileInput = {
    ...fresh(),
    credential: (id) => (id === phone ? 'ok' : 'none'),
    defaults: { ...DEFAULT_ACCESS },
    roles: [HUB_ROLE, ...rolesOfDevice(directory, phone)].map((name) => desiredRoles(directory).get(name)!).map((r) => ({ ...r, acls: r.acls.map((a) => ({ ...a, priority: 0 })).reverse() })),
    clients: [
      { username: 'omstil-hub', roles: [{ rolename: 'admin' }, { rolename: HUB_ROLE }] },
      { username: phone, clientid: phone, textname: TEXTNAME, roles: rolesOfDevice(directory, phone).map((rolename) => ({ rolename })) },
    ],
  };
  const plan = planReconcile(input);
  assert.equal(plan.commands, []);
  assert.is(plan.hubRoleMissing, false);
});

t('reconcile: a new leader gets the staff role; revoked and departed devices disabled and stripped; an edited role mended; others untouched', () => {
  const phone = phoneOf(staff.id);
  const leaderPhone = phoneOf(leader.id);
  const held = new Set([HUB_ROLE, DEVICES_ROLE, ...rolesOfDevice(directory, phone), deviceRoleName(leaderPhone), personRoleName(leader.id)]);
  const roles = [...held].map((name) => desiredRoles(directory).get(name)!);
  const tampered: DynsecRole = { rolename: DEVICES_ROLE, acls: [{ acltype: 'subscribePattern', topic: '#', allow: true }] };
  const input: ReconcileInput = {
    ...fresh(),
    defaults: { ...DEFAULT_ACCESS },
    credential: (id) => (id === leaderPhone ? 'ok' : id === phone ? 'revoked' : 'none'),
    roles: [...roles.filter((r) => r.rolename !== DEVICES_ROLE), tampered, { rolename: deviceRoleName('phone-gone'), acls: [] }, { rolename: 'someone-elses', acls: [] }],
    clients: [
      { username: 'omstil-hub', roles: [{ rolename: 'admin' }, { rolename: HUB_ROLE }] },
      // the leader's phone from before they led anyone
      { username: leaderPhone, textname: TEXTNAME, roles: [DEVICES_ROLE, deviceRoleName(leaderPhone), personRoleName(leader.id)].map((rolename) => ({ rolename })) },
      { username: phone, textname: TEXTNAME, roles: rolesOfDevice(directory, phone).map((rolename) => ({ rolename })) },
      { username: 'phone-gone', textname: TEXTNAME, roles: [{ rolename: DEVICES_ROLE }, { rolename: deviceRoleName('phone-gone') }] },
      { username: 'grafana', roles: [{ rolename: 'someone-elses' }] },
    ],
  };
  const plan = planReconcile(input);
  const by = (command: string) => plan.commands.filter((c) => c.command === command);
  assert.equal(by('modifyRole'), [{ command: 'modifyRole', rolename: DEVICES_ROLE, acls: desiredRoles(directory).get(DEVICES_ROLE)!.acls }]);
  // the leader's new staff roles are made (the staff member's own already is, with the staff's phone)
  assert.equal(
    by('createRole').map((c) => c.rolename),
    directory.staffOf(leader.id).map((p) => personRoleName(p.id)).filter((name) => !held.has(name)),
  );
  assert.equal(by('modifyClient'), [
    { command: 'modifyClient', username: leaderPhone, roles: rolesOfDevice(directory, leaderPhone).map((rolename) => ({ rolename })) },
    { command: 'modifyClient', username: 'phone-gone', roles: [] },
  ]);
  assert.equal(by('disableClient').map((c) => c.username), [phone, 'phone-gone']);
  assert.equal(plan.disabled, [phone, 'phone-gone']);
  assert.equal(by('deleteRole'), [{ command: 'deleteRole', rolename: deviceRoleName('phone-gone') }]);
  assert.not.ok(JSON.stringify(plan.commands).includes('grafana'), 'a client the hub did not make is never touched');
  const kinds = plan.commands.map((c) => c.command);
  assert.ok(kinds.lastIndexOf('modifyRole') < kinds.indexOf('modifyClient') && kinds.lastIndexOf('modifyClient') < kinds.indexOf('deleteRole'), kinds.join(','));
});

t('reconcile: a phone moved to another person loses the old person\'s own topic and gets the new one\'s', () => {
  const phone = phoneOf(staff.id);
  const moved = Directory.parse({ ...data, devices: data.devices.map((d) => (d.id === phone ? { ...d, person: other.id } : d)) });
  const plan = planReconcile({
    ...fresh(),
    directory: moved,
    defaults: { ...DEFAULT_ACCESS },
    credential: (id) => (id === phone ? 'ok' : 'none'),
    roles: [HUB_ROLE, ...rolesOfDevice(directory, phone)].map((name) => desiredRoles(directory).get(name)!),
    clients: [{ username: 'omstil-hub', roles: [{ rolename: HUB_ROLE }] }, { username: phone, textname: TEXTNAME, roles: rolesOfDevice(directory, phone).map((rolename) => ({ rolename })) }],
  });
  assert.equal(plan.commands, [
    ...rolesOfDevice(moved, phone).filter((n) => n.startsWith('omstil:person:')).map((rolename) => ({ command: 'createRole', rolename, acls: desiredRoles(moved).get(rolename)!.acls })),
    { command: 'modifyClient', username: phone, roles: rolesOfDevice(moved, phone).map((rolename) => ({ rolename })) },
    { command: 'deleteRole', rolename: personRoleName(staff.id) },
  ]);
  assert.ok(rolesOfDevice(moved, phone).includes(personRoleName(other.id)));
});

t('reconcile cannot make up a token: a credential in force without a login, or with a disabled one, is a warning', () => {
  const phone = phoneOf(staff.id);
  const leaderPhone = phoneOf(leader.id);
  const plan = planReconcile({
    ...fresh(),
    credential: (id) => (id === phone || id === leaderPhone ? 'ok' : 'none'),
    clients: [{ username: 'omstil-hub', roles: [] }, { username: leaderPhone, textname: TEXTNAME, disabled: true, roles: rolesOfDevice(directory, leaderPhone).map((rolename) => ({ rolename })) }],
  });
  assert.equal(plan.warnings.map((w) => w.deviceId).sort(), [leaderPhone, phone].sort());
  assert.match(plan.warnings.find((w) => w.deviceId === phone)!.message, /no login on the broker.*provision it again/);
  assert.match(plan.warnings.find((w) => w.deviceId === leaderPhone)!.message, /disabled.*provision it again/);
  assert.not.ok(plan.commands.some((c) => c.command === 'createClient' || c.command === 'enableClient'));
});

t('issue: roles first, then the login (username = client id = device id, password = token); again: modifyClient and enableClient; revoke disables', () => {
  const phone = phoneOf(leader.id);
  const roles = rolesOfDevice(directory, phone);
  const first = planIssue(directory, phone, 'tok', false);
  assert.equal(first.slice(0, -1).map((c) => c.rolename), roles);
  assert.equal(first.at(-1), { command: 'createClient', username: phone, clientid: phone, password: 'tok', textname: TEXTNAME, roles: roles.map((rolename) => ({ rolename })) });
  const again = planIssue(directory, phone, 'tok2', true);
  assert.equal(again.slice(-2).map((c) => c.command), ['modifyClient', 'enableClient']);
  assert.is(again.at(-2)!.password, 'tok2');
  assert.equal(planIssue(directory, 'phone-nobody', 'tok', false), [], 'no login for a device not in the directory');
  assert.equal(planRevoke(phone), [{ command: 'disableClient', username: phone }]);
});

t('the hub\'s role: publish, receive, subscribe and unsubscribe under omstil/ only', () => {
  assert.equal(hubRole().acls.map((a) => `${a.acltype} ${a.topic}`).sort(), ['publishClientReceive omstil/#', 'publishClientSend omstil/#', 'subscribePattern omstil/#', 'unsubscribePattern omstil/#']);
  const clients: DynsecClient[] = [{ username: 'omstil-hub', roles: [{ rolename: HUB_ROLE }] }];
  assert.is(planReconcile({ ...fresh(), clients }).hubRoleMissing, false);
});

t.run();
