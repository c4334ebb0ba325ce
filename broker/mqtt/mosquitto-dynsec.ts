/**
 * Issue 10, external broker: keeps Mosquitto's dynamic-security plugin in step with omstil
 * (config `mqttAdmin: 'mosquitto-dynsec'`). It speaks the plugin's topic API
 * (`$CONTROL/dynamic-security/v1`, answers on `…/response`, plugins/dynamic-security/README.md)
 * as the hub's identity, which the operator gives the plugin's admin role
 * (`mosquitto_ctrl dynsec init <file> omstil-hub`); the roles and commands come from
 * mosquitto-acl-plan.ts (pure).
 *
 * - At start: the defaults deny, the roles match access.ts, the hub's client holds
 *   `omstil:hub`, and every device login the hub made is reconciled: roles as the directory
 *   says, disabled when its credential is revoked or it left the directory. A token cannot be
 *   pushed again (only its hash is stored): a login missing on the broker is a warning.
 * - On `issue`: the device's login is made or given the new token (the plugin ends the old
 *   session); on `revoke`: disabled (the plugin ends its session). A token waits in memory only
 *   until the broker has it, and is never logged.
 * - On a new directory (a moved phone, a new leader): the same reconcile.
 *
 * The plugin ends the sessions of every client whose roles change, without their Will. For a
 * device whose login was revoked or replaced the hub therefore says it is offline itself, as
 * its Will would have; a device whose roles changed reconnects at once with its new rights.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { buildTopic, DeviceStatus, filters, parseTopic, type Clock, type Logger } from '../../protocol/index.js';
import type { Directory } from '../directory/directory.js';
import type { DeviceCredentials } from './device-credentials.js';
import { HUB_ROLE, planIssue, planReconcile, planRevoke, type DefaultAclType, type DynsecClient, type DynsecCommand, type DynsecRole, type ReconcilePlan } from './mosquitto-acl-plan.js';

export const DYNSEC_TOPIC = '$CONTROL/dynamic-security/v1';
export const DYNSEC_RESPONSE_TOPIC = `${DYNSEC_TOPIC}/response`;
/** commands per message: the plugin answers one message with one */
const BATCH = 100;

export interface MosquittoDynsecOptions {
  mqttUrl: string;
  /** the hub's login (HUB_USERNAME), which holds the plugin's admin role */
  username: string;
  password: string;
  directory: () => Directory;
  credentials: DeviceCredentials;
  clock: Clock;
  logger: Logger;
  /** this link's client id; default `omstil-hub-dynsec` */
  clientId?: string;
  /** how often to look for a new directory; default 1000 ms */
  pollMs?: number;
  /** how long to wait for the plugin's answer; default 10 s */
  timeoutMs?: number;
}

interface DynsecResponse {
  command: string;
  error?: string;
  data?: Record<string, unknown>;
  correlationData?: string;
}

/** The connection ended while commands were out: they may or may not have been carried out. */
class LinkLost extends Error {
  constructor() {
    super('the connection to Mosquitto ended before the dynamic-security plugin answered');
  }
}

export class MosquittoDynsec {
  private client: MqttClient | null = null;
  private readonly pending = new Map<string, { resolve: (r: DynsecResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  /** issued tokens not yet on the broker, by device; in memory only */
  private readonly tokens = new Map<string, string>();
  private readonly lastStatus = new Map<string, DeviceStatus>();
  private queue: Promise<void> = Promise.resolve();
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private directorySeen: Directory | null = null;
  private stopped = false;
  /** what the last reconcile found that it could not repair, by device */
  readonly warnings = new Map<string, string>();

  constructor(private readonly opts: MosquittoDynsecOptions) {}

  async start(): Promise<void> {
    const { opts } = this;
    const client = await mqtt
      .connectAsync(opts.mqttUrl, { clientId: opts.clientId ?? 'omstil-hub-dynsec', username: opts.username, password: opts.password, clean: true, reconnectPeriod: 500, connectTimeout: 10_000 })
      .catch((err: Error) => {
        throw new Error(`mqttAdmin mosquitto-dynsec: cannot log in to ${opts.mqttUrl} as "${opts.username}" (mqttPassword): ${err.message}`);
      });
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('close', () => this.failPending(new LinkLost()));
    client.on('error', (err) => opts.logger.warn('mqtt error', { err: err.message }));
    // after a broker restart or a kick: whatever happened meanwhile is reconciled, waiting tokens pushed
    client.on('connect', () => {
      if (!this.stopped) this.enqueue('reconcile after reconnect', () => this.catchUp());
    });
    await client.subscribeAsync([DYNSEC_RESPONSE_TOPIC, filters.allDeviceStatus], { qos: 0 });
    this.unsubscribe = opts.credentials.onChange((deviceId, change, token) => {
      if (change === 'issued' && token !== undefined) {
        this.tokens.set(deviceId, token);
        this.enqueue('issue', () => this.pushIssue(deviceId));
      } else if (change === 'revoked') {
        this.tokens.delete(deviceId);
        this.enqueue('revoke', () => this.pushRevoke(deviceId));
      }
    });
    this.directorySeen = opts.directory();
    // first in the queue: changes handed over meanwhile (and a reconnect's catch-up) wait for it
    const first = this.reconcileAtStart();
    this.queue = first.catch(() => undefined);
    await first;
    this.timer = setInterval(() => {
      const now = this.opts.directory();
      if (now === this.directorySeen) return;
      this.directorySeen = now;
      this.enqueue('reconcile after a directory change', async () => void (await this.reconcile()));
    }, opts.pollMs ?? 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    // what is out fails now, and nothing more is sent: a job in the queue ends at once
    this.failPending(new Error('stopped'));
    await this.queue;
    this.tokens.clear();
    const client = this.client;
    this.client = null;
    await client?.endAsync();
  }

  /** Waits until every change handed over so far has been carried out (or failed and logged). */
  async settled(): Promise<void> {
    let seen: Promise<void> | null = null;
    while (seen !== this.queue) {
      seen = this.queue;
      await seen;
    }
  }

  /**
   * Brings the plugin in step with the directory and the credentials; returns what it did.
   * The hub's own client gets HUB_ROLE elsewhere (reconcileAtStart): that ends its sessions.
   */
  async reconcile(): Promise<ReconcilePlan> {
    const directory = this.opts.directory();
    const [clients, roles, defaults] = await this.send([
      { command: 'listClients', verbose: true, count: -1, offset: 0 },
      { command: 'listRoles', verbose: true, count: -1, offset: 0 },
      { command: 'getDefaultACLAccess' },
    ]);
    const plan = planReconcile({
      directory,
      credential: (deviceId) => {
        const s = this.opts.credentials.status(deviceId);
        return !s ? 'none' : s.revokedAt ? 'revoked' : 'ok';
      },
      clients: ((clients!.data?.clients ?? []) as DynsecClient[]),
      roles: ((roles!.data?.roles ?? []) as DynsecRole[]),
      defaults: Object.fromEntries(((defaults!.data?.acls ?? []) as { acltype: DefaultAclType; allow: boolean }[]).map((a) => [a.acltype, a.allow])),
      hubUsername: this.opts.username,
    });
    const answers = await this.send(plan.commands);
    this.check(plan.commands, answers);
    for (const deviceId of plan.disabled) this.markOffline(deviceId);
    this.warnings.clear();
    for (const w of plan.warnings) {
      if (this.tokens.has(w.deviceId)) continue; // its token is on its way
      this.warnings.set(w.deviceId, w.message);
      this.opts.logger.warn('device login not on the broker', { device: w.deviceId, reason: w.message });
    }
    if (plan.commands.length) this.opts.logger.info('dynamic security reconciled', { commands: plan.commands.length, disabled: plan.disabled.length });
    return plan;
  }

  /** Reconciles; gives the hub's client HUB_ROLE when it lacks it (the plugin ends this link then: reconnect and look again). */
  private async reconcileAtStart(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const plan = await this.reconcile();
        if (!plan.hubRoleMissing) return;
        if (attempt >= 3) throw new Error(`Mosquitto dynamic security: the hub's client "${this.opts.username}" does not keep role ${HUB_ROLE}`);
        this.opts.logger.info('giving the hub its role on the broker', { role: HUB_ROLE });
        await this.send([{ command: 'addClientRole', username: this.opts.username, rolename: HUB_ROLE }]);
      } catch (err) {
        if (!(err instanceof LinkLost) || attempt >= 3) throw err;
      }
      await this.whenConnected();
    }
  }

  private async catchUp(): Promise<void> {
    await this.reconcile();
    for (const deviceId of [...this.tokens.keys()]) await this.pushIssue(deviceId);
  }

  private async pushIssue(deviceId: string): Promise<void> {
    const token = this.tokens.get(deviceId);
    if (token === undefined) return; // revoked or issued anew meanwhile
    const directory = this.opts.directory();
    if (!directory.devices.has(deviceId)) {
      this.tokens.delete(deviceId);
      this.opts.logger.warn('credential issued for a device not in the directory: no login made on the broker', { device: deviceId });
      return;
    }
    const [found] = await this.send([{ command: 'getClient', username: deviceId }]);
    const exists = !found!.error;
    const commands = planIssue(directory, deviceId, token, exists);
    this.check(commands, await this.send(commands));
    if (this.tokens.get(deviceId) === token) this.tokens.delete(deviceId);
    this.warnings.delete(deviceId);
    if (exists) this.markOffline(deviceId); // a session on the replaced token ended without its Will
    this.opts.logger.info('device login set on the broker', { device: deviceId, rotated: exists });
  }

  private async pushRevoke(deviceId: string): Promise<void> {
    const commands = planRevoke(deviceId);
    const answers = await this.send(commands);
    if (answers[0]?.error === 'Client not found') {
      this.opts.logger.info('revoked device has no login on the broker', { device: deviceId });
      return;
    }
    this.check(commands, answers);
    this.markOffline(deviceId);
    this.opts.logger.info('device login disabled on the broker', { device: deviceId });
  }

  /** The plugin ends a session without its Will: the hub says what the Will would have. */
  private markOffline(deviceId: string): void {
    const last = this.lastStatus.get(deviceId);
    if (!last?.online || !this.client) return;
    const status: DeviceStatus = { ...last, online: false, since: this.opts.clock.now().toISOString() };
    this.client.publish(buildTopic({ kind: 'device-status', deviceId }), JSON.stringify(status), { qos: 1, retain: true });
  }

  /** Throws on an answer with an error, except the ones that mean "already so". */
  private check(commands: readonly DynsecCommand[], answers: readonly DynsecResponse[]): void {
    const failed = answers
      .map((a, i) => ({ a, c: commands[i]! }))
      .filter(({ a, c }) => a.error && !(c.command === 'createRole' && a.error === 'Role already exists'));
    if (!failed.length) return;
    const what = failed.map(({ a, c }) => `${c.command} ${String(c.username ?? c.rolename ?? '')}: ${a.error}`.replace(/ +:/, ':'));
    throw new Error(`Mosquitto dynamic security refused ${failed.length} command(s): ${what.slice(0, 5).join('; ')}`);
  }

  /** Sends commands in batches; resolves with their answers in order. */
  private async send(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]> {
    const out: DynsecResponse[] = [];
    for (let i = 0; i < commands.length; i += BATCH) out.push(...(await this.sendBatch(commands.slice(i, i + BATCH))));
    return out;
  }

  private sendBatch(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]> {
    const client = this.client;
    if (this.stopped) return Promise.reject(new Error('stopped'));
    if (!client?.connected) return Promise.reject(new LinkLost());
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    const tagged = commands.map((c) => ({ ...c, correlationData: `omstil-${++this.seq}` }));
    const answers = tagged.map(
      (c) =>
        new Promise<DynsecResponse>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.pending.delete(c.correlationData);
            reject(
              new Error(
                `no answer from Mosquitto's dynamic-security plugin to ${c.command} within ${timeoutMs} ms: is the plugin loaded, and does "${this.opts.username}" have its admin role (mosquitto_ctrl dynsec init <file> ${this.opts.username})? See docs/external-broker.md`,
              ),
            );
          }, timeoutMs);
          this.pending.set(c.correlationData, { resolve, reject, timer });
        }),
    );
    client.publish(DYNSEC_TOPIC, JSON.stringify({ commands: tagged }), { qos: 1 });
    return Promise.all(answers);
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === DYNSEC_RESPONSE_TOPIC) {
      let parsed: { responses?: DynsecResponse[] };
      try {
        parsed = JSON.parse(payload.toString('utf8')) as { responses?: DynsecResponse[] };
      } catch {
        return;
      }
      for (const r of parsed.responses ?? []) {
        const p = r.correlationData ? this.pending.get(r.correlationData) : undefined;
        if (!p) continue; // another admin's answer
        this.pending.delete(r.correlationData!);
        clearTimeout(p.timer);
        p.resolve(r);
      }
      return;
    }
    const t = parseTopic(topic);
    if (t?.kind !== 'device-status') return;
    if (!payload.length) {
      this.lastStatus.delete(t.deviceId);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      return; // not a status: the hub's fleet view reports it
    }
    const status = DeviceStatus.safeParse(parsed);
    if (status.success) this.lastStatus.set(t.deviceId, status.data);
  }

  private failPending(err: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }

  private whenConnected(): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('stopped'));
    if (client.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no connection to ${this.opts.mqttUrl} again within 10 s`)), 10_000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** One change at a time, in order; a failure is logged and left to the next reconcile. */
  private enqueue(what: string, job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch((err: Error) => {
      if (this.stopped) return;
      this.opts.logger.warn(`dynamic security: ${what} failed; retried when the broker is back`, { err: err.message });
    });
  }
}
