/**
 * Issue 10, external broker (pure): the access rules of access.ts as Mosquitto dynamic-security
 * roles, and the commands that bring the plugin's clients and roles in step with the directory
 * and the devices' credentials. No I/O; broker/mqtt/mosquitto-dynsec.ts sends what this returns.
 *
 * Mosquitto 2.0's plugin has no `%c`/`%u` patterns in role ACLs (it matches topics literally
 * with wildcards), so the rules become:
 *  - `omstil:hub`: everything under `omstil/` (the hub's own client, beside the plugin's admin role)
 *  - `omstil:devices`: every device receives the public topics (hub status, device status,
 *    person and department public, department members, broadcasts: RT-3)
 *  - `omstil:device:{id}`: publish its own status (birth/Will), req, ota/want, ota/progress;
 *    receive its own config, res, ota/offer, ota/chunk
 *  - `omstil:person:{id}`: receive `person/{id}/own` (PR-2); given to the person's devices and
 *    to their leader's devices (PR-4, Directory.isLeaderOf)
 * Every ACL grants both `subscribePattern` and `publishClientReceive` for what may be received,
 * and the defaults deny publishing, receiving and subscribing: a `#` subscription is refused,
 * and a retained private message is never delivered (the plugin checks every delivery).
 *
 * A device's login: username = client id = its device id, password = its token. Clients the
 * hub made carry TEXTNAME; the plugin's other clients (its admin, other applications) are never
 * touched.
 */
import { buildTopic, filters } from '../../protocol/index.js';
import type { Directory } from '../directory/directory.js';

export type AclType = 'publishClientSend' | 'publishClientReceive' | 'subscribePattern' | 'subscribeLiteral' | 'unsubscribePattern' | 'unsubscribeLiteral';
export type DefaultAclType = 'publishClientSend' | 'publishClientReceive' | 'subscribe' | 'unsubscribe';

export interface DynsecAcl {
  acltype: AclType;
  topic: string;
  allow: boolean;
  priority?: number;
}

export interface DynsecRole {
  rolename: string;
  acls: DynsecAcl[];
}

/** A client as the plugin lists it (`listClients` verbose, `getClient`). */
export interface DynsecClient {
  username: string;
  clientid?: string;
  textname?: string;
  disabled?: boolean;
  roles?: { rolename: string; priority?: number }[];
}

/** One command of `$CONTROL/dynamic-security/v1` (plugins/dynamic-security/README.md). */
export type DynsecCommand = { command: string } & Record<string, unknown>;

export const HUB_ROLE = 'omstil:hub';
export const DEVICES_ROLE = 'omstil:devices';
export const DEVICE_ROLE_PREFIX = 'omstil:device:';
export const PERSON_ROLE_PREFIX = 'omstil:person:';
/** marks the clients the hub manages (the devices'); others are left alone */
export const TEXTNAME = 'omstil device';

export const deviceRoleName = (deviceId: string) => DEVICE_ROLE_PREFIX + deviceId;
export const personRoleName = (personId: string) => PERSON_ROLE_PREFIX + personId;

/** Deny by default: only what a role grants. Unsubscribing gives nothing away and stays allowed. */
export const DEFAULT_ACCESS: Record<DefaultAclType, boolean> = {
  publishClientSend: false,
  publishClientReceive: false,
  subscribe: false,
  unsubscribe: true,
};

const receive = (topic: string): DynsecAcl[] => [
  { acltype: 'subscribePattern', topic, allow: true },
  { acltype: 'publishClientReceive', topic, allow: true },
];
const send = (topic: string): DynsecAcl => ({ acltype: 'publishClientSend', topic, allow: true });

/** The hub: everything under omstil/ (access.ts: role hub). */
export function hubRole(): DynsecRole {
  return { rolename: HUB_ROLE, acls: [send(filters.all), ...receive(filters.all), { acltype: 'unsubscribePattern', topic: filters.all, allow: true }] };
}

/** What every device may receive (access.ts canReceive: the public kinds). */
export function devicesRole(): DynsecRole {
  const topics = [buildTopic({ kind: 'hub-status' }), filters.allDeviceStatus, filters.allPersonPublic, filters.allDeptPublic, filters.allDeptMembers, filters.broadcast];
  return { rolename: DEVICES_ROLE, acls: topics.flatMap(receive) };
}

/** A device's own topics (access.ts canPublish, canReceive for device-config/res/ota). */
export function deviceRole(deviceId: string): DynsecRole {
  const t = (kind: 'device-status' | 'device-req' | 'device-config' | 'device-res') => buildTopic({ kind, deviceId });
  const ota = (part: 'offer' | 'want' | 'chunk' | 'progress') => buildTopic({ kind: 'device-ota', deviceId, part });
  return {
    rolename: deviceRoleName(deviceId),
    acls: [send(t('device-status')), send(t('device-req')), send(ota('want')), send(ota('progress')), ...[t('device-config'), t('device-res'), ota('offer'), ota('chunk')].flatMap(receive)],
  };
}

/** PR-2: a person's own topic. */
export function personRole(personId: string): DynsecRole {
  return { rolename: personRoleName(personId), acls: receive(buildTopic({ kind: 'person-own', personId })) };
}

/** The roles a device's client holds: the public ones, its own, its person's and (PR-4) its person's staff's. */
export function rolesOfDevice(directory: Directory, deviceId: string): string[] {
  const device = directory.devices.get(deviceId);
  if (!device) return [];
  const roles = [DEVICES_ROLE, deviceRoleName(deviceId)];
  if (device.person !== null && directory.people.has(device.person)) {
    roles.push(personRoleName(device.person));
    for (const p of directory.staffOf(device.person)) roles.push(personRoleName(p.id));
  }
  return roles;
}

/** A role of ours by its name. */
export function roleFor(name: string): DynsecRole {
  if (name === HUB_ROLE) return hubRole();
  if (name === DEVICES_ROLE) return devicesRole();
  if (name.startsWith(DEVICE_ROLE_PREFIX)) return deviceRole(name.slice(DEVICE_ROLE_PREFIX.length));
  if (name.startsWith(PERSON_ROLE_PREFIX)) return personRole(name.slice(PERSON_ROLE_PREFIX.length));
  throw new TypeError(`not an omstil role: ${JSON.stringify(name)}`);
}

/** Every role the directory could need, by name (the hub's included); the plugin holds only those of provisioned devices. */
export function desiredRoles(directory: Directory): Map<string, DynsecRole> {
  const out = new Map<string, DynsecRole>();
  for (const role of [hubRole(), devicesRole()]) out.set(role.rolename, role);
  for (const device of directory.devices.values()) {
    const own = deviceRole(device.id);
    out.set(own.rolename, own);
    for (const name of rolesOfDevice(directory, device.id)) {
      if (name.startsWith(PERSON_ROLE_PREFIX) && !out.has(name)) out.set(name, personRole(name.slice(PERSON_ROLE_PREFIX.length)));
    }
  }
  return out;
}

/** Two ACL lists grant the same (order and default priorities aside). */
export function sameAcls(a: readonly DynsecAcl[], b: readonly DynsecAcl[]): boolean {
  const key = (x: DynsecAcl) => `${x.acltype} ${x.allow ? 'allow' : 'deny'} ${x.priority ?? 0} ${x.topic}`;
  const ka = a.map(key).sort();
  const kb = b.map(key).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}

/** A device's credential as the hub knows it: in force, revoked, or none. */
export type CredentialState = 'ok' | 'revoked' | 'none';

export interface ReconcileInput {
  directory: Directory;
  credential: (deviceId: string) => CredentialState;
  /** every client of the plugin (listClients, verbose) */
  clients: readonly DynsecClient[];
  /** every role of the plugin (listRoles, verbose) */
  roles: readonly DynsecRole[];
  /** the defaults in force (getDefaultACLAccess) */
  defaults: Partial<Record<DefaultAclType, boolean>>;
  /** the hub's own username: its client gets HUB_ROLE and is otherwise never touched */
  hubUsername: string;
}

export interface ReconcilePlan {
  /** in order: defaults, roles made or changed, clients, roles removed */
  commands: DynsecCommand[];
  /** the hub's own client needs HUB_ROLE: the plugin ends the hub's sessions when it is given */
  hubRoleMissing: boolean;
  /** devices whose client the plan disables (their session ends without a Will) */
  disabled: string[];
  /** things the hub cannot repair: a token can only be given at issue time */
  warnings: { deviceId: string; message: string }[];
}

/**
 * At start and after a directory change: what to send so the plugin's roles and the hub's
 * clients match the directory and the credentials. Tokens are not stored (only their hashes),
 * so a device whose login is missing or was left disabled gets a warning (provision it again),
 * never a login made up here. The plugin holds the shared roles and those of the devices that
 * have a login: Mosquitto 2.0 rewrites its whole file after every change, so roles nobody
 * holds would make a large directory's first start slow for nothing.
 */
export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const { directory } = input;
  const commands: DynsecCommand[] = [];
  const warnings: ReconcilePlan['warnings'] = [];
  const disabled: string[] = [];

  const defaults = (Object.keys(DEFAULT_ACCESS) as DefaultAclType[]).filter((k) => input.defaults[k] !== DEFAULT_ACCESS[k]);
  if (defaults.length) commands.push({ command: 'setDefaultACLAccess', acls: defaults.map((acltype) => ({ acltype, allow: DEFAULT_ACCESS[acltype] })) });

  const managedClients = input.clients.filter((c) => c.textname === TEXTNAME && c.username !== input.hubUsername);
  const want = new Map([HUB_ROLE, DEVICES_ROLE].map((name) => [name, roleFor(name)]));
  for (const client of managedClients) {
    for (const name of rolesOfDevice(directory, client.username)) if (!want.has(name)) want.set(name, roleFor(name));
  }
  const have = new Map(input.roles.map((r) => [r.rolename, r]));
  for (const role of want.values()) {
    const current = have.get(role.rolename);
    if (!current) commands.push({ command: 'createRole', rolename: role.rolename, acls: role.acls });
    else if (!sameAcls(current.acls ?? [], role.acls)) commands.push({ command: 'modifyRole', rolename: role.rolename, acls: role.acls });
  }

  const hub = input.clients.find((c) => c.username === input.hubUsername);
  const hubRoleMissing = !hub?.roles?.some((r) => r.rolename === HUB_ROLE);

  const managed = new Set<string>();
  for (const client of managedClients) {
    managed.add(client.username);
    const deviceId = client.username;
    const inDirectory = directory.devices.has(deviceId);
    const state = inDirectory ? input.credential(deviceId) : 'none';
    const roles = inDirectory ? rolesOfDevice(directory, deviceId) : [];
    const current = (client.roles ?? []).map((r) => r.rolename);
    if (!sameRoles(current, roles)) commands.push({ command: 'modifyClient', username: deviceId, roles: roles.map((rolename) => ({ rolename })) });
    if (state === 'ok') {
      // disabled by a revoke whose later issue never reached the broker: its password may be the revoked token
      if (client.disabled) warnings.push({ deviceId, message: `device "${deviceId}": its login on the broker is disabled though its credential is in force (issued while the broker was out of reach): provision it again` });
    } else if (!client.disabled) {
      commands.push({ command: 'disableClient', username: deviceId });
      disabled.push(deviceId);
    }
  }
  for (const device of directory.devices.values()) {
    if (!managed.has(device.id) && input.credential(device.id) === 'ok') {
      warnings.push({ deviceId: device.id, message: `device "${device.id}" has a credential but no login on the broker (issued before it was managed, or the broker's dynamic-security file was replaced): provision it again` });
    }
  }

  // roles of devices and people no longer in the directory, after no client holds them
  for (const role of input.roles) {
    const ours = role.rolename.startsWith(DEVICE_ROLE_PREFIX) || role.rolename.startsWith(PERSON_ROLE_PREFIX);
    if (ours && !want.has(role.rolename)) commands.push({ command: 'deleteRole', rolename: role.rolename });
  }
  return { commands, hubRoleMissing, disabled, warnings };
}

/**
 * A device was issued a token (or a new one): its roles first (createRole answers "Role already
 * exists" for those there), then its login. `exists`: the plugin already has the client
 * (modifyClient sets the password, which ends its session, and enableClient lifts a revoke).
 */
export function planIssue(directory: Directory, deviceId: string, token: string, exists: boolean): DynsecCommand[] {
  const roles = rolesOfDevice(directory, deviceId);
  if (!roles.length) return [];
  const creates: DynsecCommand[] = roles.map(roleFor).map((r) => ({ command: 'createRole', rolename: r.rolename, acls: r.acls }));
  const login = { username: deviceId, clientid: deviceId, password: token, textname: TEXTNAME, roles: roles.map((rolename) => ({ rolename })) };
  return exists ? [...creates, { command: 'modifyClient', ...login }, { command: 'enableClient', username: deviceId }] : [...creates, { command: 'createClient', ...login }];
}

/** A device's credential was revoked: its login is disabled, which also ends its session. */
export function planRevoke(deviceId: string): DynsecCommand[] {
  return [{ command: 'disableClient', username: deviceId }];
}
