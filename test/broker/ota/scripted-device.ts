/**
 * A device that speaks the OTA protocol by hand (protocol/ota.ts) over a plain MQTT client:
 * birth, offer → wants by bitmap (a window at a time) → chunks (CRC-checked) → the whole
 * image's SHA-256 → a scripted outcome. For the hub's tests, independent of firmware/ota.
 */
import { createHash } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { crc32 } from '../../../firmware/flash/crc32.js';
import { bitmapOf, buildTopic, chunkCount, decodeOtaChunk, MAX_OTA_WANT, type OtaOffer, type OtaProgress, type OtaState } from '../../../protocol/index.js';

export type Outcome = 'confirm' | 'refuse' | 'roll-back' | 'silent-after-download';

export class ScriptedDevice {
  client: MqttClient | null = null;
  fw: string;
  readonly offers: OtaOffer[] = [];
  readonly cancels: string[] = [];
  chunksReceived = 0;
  /** issue 10: the device's token (it logs in with its id as username); null: no login */
  token: string | null = null;
  private job: OtaOffer | null = null;
  private parts = new Map<number, Buffer>();
  private asked = new Set<number>();

  constructor(
    readonly mqttUrl: string,
    readonly deviceId: string,
    readonly kind: 'phone' | 'kiosk',
    public outcome: Outcome = 'confirm',
    fw = '0.1.0',
  ) {
    this.fw = fw;
  }

  private topic(part: 'offer' | 'want' | 'chunk' | 'progress'): string {
    return buildTopic({ kind: 'device-ota', deviceId: this.deviceId, part });
  }

  private status(online: boolean): string {
    return JSON.stringify({ online, kind: this.kind, fw: this.fw, since: new Date().toISOString() });
  }

  async start(): Promise<void> {
    const client = await mqtt.connectAsync(this.mqttUrl, {
      clientId: this.deviceId,
      clean: true,
      reconnectPeriod: 0,
      ...(this.token !== null ? { username: this.deviceId, password: this.token } : {}),
      will: { topic: buildTopic({ kind: 'device-status', deviceId: this.deviceId }), payload: Buffer.from(this.status(false)), qos: 1, retain: true },
    });
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    await client.subscribeAsync([this.topic('offer'), this.topic('chunk')], { qos: 1 });
    await client.publishAsync(buildTopic({ kind: 'device-status', deviceId: this.deviceId }), this.status(true), { qos: 1, retain: true });
  }

  /** Goes offline as a crash would (the broker sends the Will). */
  async crash(): Promise<void> {
    const c = this.client;
    this.client = null;
    c?.stream.destroy();
    await new Promise((r) => setTimeout(r, 50));
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) {
      await c.publishAsync(buildTopic({ kind: 'device-status', deviceId: this.deviceId }), this.status(false), { qos: 1, retain: true }).catch(() => {});
      await c.endAsync();
    }
  }

  publishRaw(part: 'want' | 'progress', payload: string | Buffer): Promise<unknown> {
    return this.client!.publishAsync(this.topic(part), payload, { qos: 1 });
  }

  private report(state: OtaState, error: OtaProgress['error'] = null): void {
    const job = this.job!;
    const total = chunkCount(job.size, job.chunkSize);
    const p: OtaProgress = { job: job.job, state, done: this.parts.size, total, running: this.fw, error, at: new Date().toISOString() };
    void this.client?.publishAsync(this.topic('progress'), JSON.stringify(p), { qos: 1 }).catch(() => {});
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === this.topic('offer')) {
      const c = JSON.parse(payload.toString('utf8')) as OtaOffer | { job: string; cancel: true };
      if ('cancel' in c) {
        this.cancels.push(c.job);
        if (this.job?.job === c.job) this.job = null;
        return;
      }
      this.offers.push(c);
      // a new offer of the same job resumes: only what is missing is asked for
      if (this.job?.job !== c.job) this.parts = new Map();
      this.job = c;
      this.asked = new Set();
      this.report('downloading');
      this.askNext();
      return;
    }
    if (!this.job) return;
    const chunk = decodeOtaChunk(payload, crc32);
    if (chunk.job !== this.job.job) return;
    this.chunksReceived++;
    this.parts.set(chunk.index, Buffer.from(chunk.data));
    this.asked.delete(chunk.index);
    if (this.asked.size === 0) this.askNext();
  }

  private askNext(): void {
    const job = this.job!;
    const total = chunkCount(job.size, job.chunkSize);
    const missing: number[] = [];
    for (let i = 0; i < total && missing.length < MAX_OTA_WANT; i++) if (!this.parts.has(i)) missing.push(i);
    if (missing.length) {
      this.asked = new Set(missing);
      void this.client?.publishAsync(this.topic('want'), JSON.stringify({ job: job.job, bitmap: bitmapOf(missing, total) }), { qos: 1 }).catch(() => {});
      if (this.parts.size) this.report('downloading');
      return;
    }
    void this.finish();
  }

  private async finish(): Promise<void> {
    const job = this.job!;
    const image = Buffer.concat([...this.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b));
    this.report('verifying');
    if (this.outcome === 'silent-after-download') return;
    const sha = createHash('sha256').update(image).digest('hex');
    if (sha !== job.sha256) return this.report('refused', { code: 'hash-mismatch', message: 'sha256 of the whole image differs' });
    if (this.outcome === 'refuse') return this.report('refused', { code: 'bad-signature', message: 'scripted refusal' });
    this.report('staged');
    this.report('rebooting');
    if (this.outcome === 'roll-back') return this.report('rolled-back', { code: 'health-timeout', message: 'scripted roll-back' });
    this.fw = job.version;
    this.report('confirmed');
    // the new firmware's birth
    await this.client?.publishAsync(buildTopic({ kind: 'device-status', deviceId: this.deviceId }), this.status(true), { qos: 1, retain: true }).catch(() => {});
  }
}
