/**
 * What the OTA client tests share: the hub's real broker (Aedes with omstil's access control,
 * so a device may publish only its own want/progress), a "hub double" that answers wants with
 * chunk frames (with faults: a budget of chunks, corrupt frames, silence), signed images and
 * a fake Installer that checks images with the real verifyImage.
 */
import { Buffer } from 'node:buffer';
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { Directory } from '../../../broker/directory/directory.js';
import { AccessControl, HUB_USERNAME, type CredentialChecker } from '../../../broker/mqtt/access.js';
import { EmbeddedBroker } from '../../../broker/mqtt/embedded-broker.js';
import type { InstallResult, Installer } from '../../../firmware/boot/installer.js';
import { crc32 } from '../../../firmware/flash/crc32.js';
import { packFiles } from '../../../firmware/image/file-archive.js';
import { buildImage, verifyImage } from '../../../firmware/image/image-format.js';
import {
  buildTopic,
  chunkCount,
  encodeOtaChunk,
  filters,
  indexesOf,
  OtaProgress,
  OtaWant,
  parseTopic,
  silentLogger,
  type OtaOffer,
} from '../../../protocol/index.js';

export const keys = generateKeyPairSync('ed25519');
export const HUB_PASSWORD = 'hub-secret';

export const directory = Directory.parse({
  municipality: 'Testkommune',
  departments: [{ id: 'familie', name: 'Familie', phoneHours: 'Mo-Fr 08:00-15:00' }],
  people: [
    { id: 'anna', name: 'Anna Holm', dept: 'familie', extension: '1001' },
    { id: 'bo', name: 'Bo Jensen', dept: 'familie', extension: '1002' },
  ],
  devices: [
    { id: 'phone-anna', kind: 'phone', person: 'anna' },
    { id: 'phone-bo', kind: 'phone', person: 'bo' },
  ],
});

/** Issue 10: each device's token (a fake credential index; the broker requires them, as a hub does by default). */
export const DEVICE_TOKENS: Record<string, string> = { 'phone-anna': 'token-of-phone-anna', 'phone-bo': 'token-of-phone-bo' };
const credentials: CredentialChecker = { verify: (id, token) => (DEVICE_TOKENS[id] === undefined ? 'none' : DEVICE_TOKENS[id] === token ? 'ok' : 'bad') };
/** A device's login, as DeviceCore's mqttOptions. */
export const deviceLogin = (deviceId: string) => ({ username: deviceId, password: DEVICE_TOKENS[deviceId]! });

export async function startBroker(): Promise<EmbeddedBroker> {
  const broker = new EmbeddedBroker({ host: '127.0.0.1', port: 0, wsPort: null, access: new AccessControl(() => directory, { hubPassword: HUB_PASSWORD, allowObservers: false, credentials, deviceAuth: 'required' }), logger: silentLogger });
  await broker.start();
  return broker;
}

/** A signed image whose payload is a real file archive (SlottedDevice unpacks it) padded to about `bytes`. */
export function signedImage(version: string, bytes = 4000, key: KeyObject = keys.privateKey): Buffer {
  const payload = packFiles([
    { path: 'omstil-firmware.js', mode: 0o644, data: Buffer.from(`export const version = ${JSON.stringify(version)};\n`) },
    { path: 'filler.bin', mode: 0o644, data: randomBytes(Math.max(0, bytes - 600)) },
  ]);
  return buildImage({ payload, version, kind: 'phone', minBootVersion: '1.0.0', privateKey: key }).bytes;
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export function offerOf(job: string, version: string, image: Uint8Array, chunkSize: number, sha = sha256(image)): OtaOffer {
  return { job, version, size: image.length, sha256: sha, chunkSize, at: new Date().toISOString() };
}

/** The hub's side, as small as the tests need. */
export class HubDouble {
  readonly wants: { deviceId: string; job: string; indexes: number[] }[] = [];
  readonly progress: (OtaProgress & { deviceId: string })[] = [];
  /** chunk bytes sent */
  sentBytes = 0;
  sentChunks = 0;
  /** chunks it may still send (null: no limit); a want past it is left unanswered */
  budget: number | null = null;
  /** chunk indexes whose next frame gets one data byte flipped (after the CRC was computed) */
  readonly corruptOnce = new Set<number>();
  /** do not answer wants at all */
  silent = false;
  private readonly images = new Map<string, { bytes: Uint8Array; chunkSize: number }>();
  private constructor(readonly client: MqttClient) {}

  static async connect(mqttUrl: string): Promise<HubDouble> {
    const client = await mqtt.connectAsync(mqttUrl, { clientId: 'omstil-hub-ota-double', username: HUB_USERNAME, password: HUB_PASSWORD, reconnectPeriod: 0 });
    const hub = new HubDouble(client);
    client.on('message', (topic, payload) => hub.onMessage(topic, payload));
    await client.subscribeAsync([filters.allOtaWant, filters.allOtaProgress], { qos: 1 });
    // the hub is up: a slot on trial passes its health check only when it sees that
    await client.publishAsync(buildTopic({ kind: 'hub-status' }), JSON.stringify({ online: true, since: new Date().toISOString() }), { qos: 1, retain: true });
    return hub;
  }

  /** Offers `image` as `job` to a device (the image is kept to answer its wants). */
  async offer(deviceId: string, offer: OtaOffer, image: Uint8Array): Promise<void> {
    this.images.set(offer.job, { bytes: image, chunkSize: offer.chunkSize });
    await this.client.publishAsync(buildTopic({ kind: 'device-ota', deviceId, part: 'offer' }), JSON.stringify(offer), { qos: 1 });
  }

  async control(deviceId: string, body: string): Promise<void> {
    await this.client.publishAsync(buildTopic({ kind: 'device-ota', deviceId, part: 'offer' }), body, { qos: 1 });
  }

  progressOf(deviceId: string, job?: string): OtaProgress[] {
    return this.progress.filter((p) => p.deviceId === deviceId && (!job || p.job === job));
  }

  statesOf(deviceId: string, job?: string): string[] {
    return this.progressOf(deviceId, job).map((p) => p.state);
  }

  last(deviceId: string): OtaProgress | undefined {
    return this.progressOf(deviceId).at(-1);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if (t?.kind !== 'device-ota') return;
    const body = JSON.parse(payload.toString('utf8')) as unknown;
    if (t.part === 'progress') {
      this.progress.push({ ...OtaProgress.parse(body), deviceId: t.deviceId });
      return;
    }
    if (t.part !== 'want') return;
    const want = OtaWant.parse(body);
    const img = this.images.get(want.job);
    if (!img) return;
    const indexes = indexesOf(want.bitmap, chunkCount(img.bytes.length, img.chunkSize));
    if (!indexes) throw new Error(`a bad want bitmap from ${t.deviceId}`);
    this.wants.push({ deviceId: t.deviceId, job: want.job, indexes });
    if (this.silent) return;
    for (const index of indexes) {
      if (this.budget !== null) {
        if (this.budget <= 0) return;
        this.budget--;
      }
      const data = img.bytes.subarray(index * img.chunkSize, Math.min(img.bytes.length, (index + 1) * img.chunkSize));
      const frame = encodeOtaChunk({ job: want.job, index, data }, crc32);
      if (this.corruptOnce.delete(index)) frame[frame.length - 1]! ^= 0x40;
      this.sentBytes += data.length;
      this.sentChunks++;
      this.client.publish(buildTopic({ kind: 'device-ota', deviceId: t.deviceId, part: 'chunk' }), frame, { qos: 1 });
    }
  }
}

/** An Installer that checks images with the real verifyImage (signature, hash, kind, version) and records what it got. */
export class FakeInstaller implements Installer {
  readonly kind = 'phone' as const;
  readonly bootVersion = '1.0.0';
  readonly installs: Uint8Array[] = [];
  reboots = 0;
  /** answer every install with this (e.g. a full slot disk) */
  fail: InstallResult | null = null;
  onReboot: (() => void) | null = null;

  constructor(
    public version: string,
    private readonly publicKey: KeyObject = keys.publicKey,
  ) {}

  currentVersion(): string {
    return this.version;
  }

  async install(image: Uint8Array, opts: { allowDowngrade?: boolean } = {}): Promise<InstallResult> {
    this.installs.push(Buffer.from(image));
    if (this.fail) return this.fail;
    const r = verifyImage(image, this.publicKey, { kind: this.kind, currentVersion: this.version, bootVersion: this.bootVersion, allowDowngrade: opts.allowDowngrade ?? false });
    if (!r.ok) return { ok: false, code: r.code, message: r.message };
    return { ok: true, version: r.manifest.version, slot: 'b' };
  }

  async reboot(): Promise<void> {
    this.reboots++;
    this.onReboot?.();
  }
}
