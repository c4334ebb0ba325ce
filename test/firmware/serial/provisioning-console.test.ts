import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDeviceConfig, parseDeviceConfig, type ProvisionedConfig } from '../../../firmware/config/device-config.js';
import { PROMPT, ProvisioningConsole, type ConsoleStatus } from '../../../firmware/serial/provisioning-console.js';
import { memoryLinkPair, SerialError, type SerialLink } from '../../../firmware/serial/serial-link.js';
import { SerialportLink } from '../../../firmware/serial/serialport-link.js';
import { needBinary } from '../../support/system-deps.js';
import { sleep, waitFor } from '../../support/wait.js';

const REPLY_END = /(?:^|\r\n)(?:OK|ERR [^\r\n]*)\r\nomstil> $/;

/** The IT side of the line: sends a command, returns the reply's lines (the last is OK or ERR …). */
function host(link: SerialLink) {
  let buf = '';
  link.onData((b) => {
    buf += Buffer.from(b).toString('latin1');
  });
  return {
    get text() {
      return buf;
    },
    async prompt(): Promise<void> {
      await waitFor(() => buf.endsWith(PROMPT), 'the prompt');
      buf = '';
    },
    async raw(bytes: string | Uint8Array): Promise<void> {
      await link.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    },
    async cmd(line: string, eol = '\r\n'): Promise<string[]> {
      buf = '';
      await link.write(Buffer.from(line + eol, 'latin1'));
      await waitFor(() => REPLY_END.test(buf), `the reply to "${line}"`);
      const lines = buf.slice(0, -PROMPT.length).split('\r\n').slice(0, -1);
      buf = '';
      return lines;
    },
  };
}

function config(raw: Record<string, unknown> = {}): ProvisionedConfig {
  const r = parseDeviceConfig({ deviceId: 'phone-anna', ...raw });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

const status: ConsoleStatus = { connected: true, since: '2026-11-23T09:00:00+01:00', firmware: '0.1.0', lastError: null };

let tmp = '';
function setup(opts: { file?: string; status?: ConsoleStatus; config?: ProvisionedConfig } = {}) {
  const [device, it] = memoryLinkPair();
  const reboots: string[] = [];
  const file = opts.file ?? path.join(tmp, `device-${Math.random().toString(36).slice(2)}.json`);
  const con = new ProvisioningConsole({
    link: device,
    file,
    config: opts.config ?? config({ credentials: { username: 'phone-anna', token: 's3cret-token' } }),
    status: () => opts.status ?? status,
    reboot: () => void reboots.push('reboot'),
    maxLine: 64,
  });
  const h = host(it);
  con.start();
  return { con, h, file, reboots };
}

const t = suite('firmware/serial/provisioning-console');
t.before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'omstil-console-'));
});
t.after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

t('start() shows the prompt; help lists every command', async () => {
  const { con, h } = setup();
  await h.prompt();
  const help = await h.cmd('help');
  for (const c of ['help', 'show', 'get <path>', 'set <path> <value>', 'save', 'status', 'reboot']) assert.ok(help.some((l) => l.startsWith(c)), c);
  assert.is(help.at(-1), 'OK');
  await con.stop();
});

t('show lists every field as path = value, with the token redacted', async () => {
  const { con, h } = setup();
  await h.prompt();
  const show = await h.cmd('show');
  assert.equal(show.slice(0, 4), ['deviceId = phone-anna', 'kind = phone', 'hubUrl = mqtt://127.0.0.1:1883', 'credentials.username = phone-anna']);
  for (const l of ['credentials.token = (redacted)', 'ui.port = 8080', 'log.maxBytes = 1048576', 'peripherals.busylight = true', 'reconnect.maxMs = 30000']) assert.ok(show.includes(l), l);
  assert.not.match(show.join('\n'), 's3cret');
  assert.not.match(show.join('\n'), 'unsaved');
  assert.is(show.at(-1), 'OK');
  await con.stop();
});

t('get: a field, a group, an unset field, an unknown path', async () => {
  const { con, h } = setup();
  await h.prompt();
  assert.equal(await h.cmd('get ui.port'), ['ui.port = 8080', 'OK']);
  assert.equal(await h.cmd('get ui'), ['ui.host = 127.0.0.1', 'ui.port = 8080', 'OK']);
  assert.equal(await h.cmd('get credentials.token'), ['credentials.token = (redacted)', 'OK']);
  assert.equal(await h.cmd('get log.dir'), ['log.dir = (not set)', 'OK']);
  assert.equal(await h.cmd('get ui.colour'), ['ERR unknown-path ui.colour: no such field; see show']);
  assert.equal(await h.cmd('get'), ['ERR usage usage: get <path>']);
  await con.stop();
});

t('set validates through the schema; on error it names the path and changes nothing', async () => {
  const { con, h } = setup();
  await h.prompt();
  assert.equal(await h.cmd('set hubUrl mqtts://hub.kommune.dk:8883'), ['OK']);
  assert.equal(await h.cmd('set ui.port 70000'), ['ERR bad-value ui.port: Too big: expected number to be <=65535']);
  const [line] = await h.cmd('set ui.port eighty');
  assert.match(line!, /^ERR bad-value ui\.port: .*expected number/);
  assert.match((await h.cmd('set hubUrl http://hub'))[0]!, /^ERR bad-value hubUrl: must be an mqtt:\/\//);
  assert.equal(await h.cmd('set ui.colour red'), ['ERR unknown-path ui.colour: no such field; see show']);
  assert.equal(await h.cmd('set ui.port'), ['ERR usage usage: set <path> <value>']);
  assert.equal(await h.cmd('get ui.port'), ['ui.port = 8080', 'OK']);
  assert.is(con.config.hubUrl, 'mqtts://hub.kommune.dk:8883');
  assert.is(con.config.ui.port, 8080);
  await con.stop();
});

t('set takes a group as JSON; a new token is never echoed', async () => {
  const { con, h } = setup();
  await h.prompt();
  assert.equal(await h.cmd('set credentials {"username":"phone-anna","token":"n3w-token"}'), ['OK']);
  assert.equal(await h.cmd('set credentials {"username":"phone-anna"}'), ['ERR bad-value credentials.token: Invalid input: expected string, received undefined']);
  assert.is(con.config.credentials?.token, 'n3w-token');
  assert.not.match((await h.cmd('show')).join('\n'), 'n3w');
  await con.stop();
});

t('show announces unsaved changes; save writes them (token included) and clears the notice', async () => {
  const { con, h, file } = setup();
  await h.prompt();
  await h.cmd('set hubUrl wss://hub.kommune.dk/mqtt');
  await h.cmd('set peripherals.headset false');
  assert.is((await h.cmd('show')).at(-2), 'unsaved changes: hubUrl, peripherals.headset (save to keep them)');
  assert.equal(await h.cmd('save'), [`saved ${file}; reboot to apply`, 'OK']);
  const saved = loadDeviceConfig(file, {});
  assert.equal(saved, con.config);
  assert.is(saved.hubUrl, 'wss://hub.kommune.dk/mqtt');
  assert.is(saved.credentials?.token, 's3cret-token');
  assert.not.match((await h.cmd('show')).join('\n'), 'unsaved');
  await con.stop();
});

t('a save that fails says so and keeps the changes unsaved', async () => {
  const file = path.join(tmp, 'no-such-folder', 'device.json');
  const { con, h } = setup({ file });
  await h.prompt();
  await h.cmd('set ui.port 9000');
  const [line] = await h.cmd('save');
  assert.match(line!, /^ERR save-failed .*no-such-folder.*ENOENT/);
  assert.is((await h.cmd('show')).at(-2), 'unsaved changes: ui.port (save to keep them)');
  await con.stop();
});

t('status comes from the injected provider', async () => {
  const { con, h } = setup();
  await h.prompt();
  assert.equal(await h.cmd('status'), ['hub = connected since 2026-11-23T09:00:00+01:00', 'firmware = 0.1.0', 'lastError = none', 'OK']);
  await con.stop();
  const down = setup({ status: { connected: false, since: null, firmware: '0.2.0', lastError: 'ECONNREFUSED 10.0.0.2:1883' } });
  await down.h.prompt();
  assert.equal(await down.h.cmd('status'), ['hub = disconnected', 'firmware = 0.2.0', 'lastError = ECONNREFUSED 10.0.0.2:1883', 'OK']);
  await down.con.stop();
});

t('reboot answers first, then calls the callback; unknown commands are refused', async () => {
  const { con, h, reboots } = setup();
  await h.prompt();
  assert.equal(await h.cmd('reboot now'), ['ERR usage usage: reboot']);
  assert.equal(reboots, []);
  assert.equal(await h.cmd('reboot'), ['rebooting', 'OK']);
  await waitFor(() => reboots.length === 1, 'the reboot callback');
  assert.equal(await h.cmd('format'), ['ERR unknown-command format: unknown command; type help']);
  await con.stop();
});

t('CR, LF and CRLF each end one line; a line may come in pieces', async () => {
  const { con, h } = setup();
  await h.prompt();
  await h.raw('status\rstatus\nstatus\r\nsta');
  await h.raw('tus\r');
  await h.raw('\nhelp\n');
  await waitFor(() => h.text.includes('this list'), 'the help reply');
  await waitFor(() => h.text.endsWith(PROMPT), 'the prompt');
  assert.is(h.text.match(/^OK\r$/gm)?.length, 5);
  assert.is(h.text.split(PROMPT).length - 1, 5, 'one prompt per line: CRLF is one line end');
  assert.equal(await h.cmd('get ui.port', '\r'), ['ui.port = 8080', 'OK']);
  assert.equal(await h.cmd('get ui.port', '\n'), ['ui.port = 8080', 'OK']);
  await con.stop();
});

t('an empty line gives only the prompt; backspace and DEL erase', async () => {
  const { con, h } = setup();
  await h.prompt();
  await h.raw('\r\n');
  await h.prompt();
  assert.equal(await h.cmd('get ui.porx\x7ft'), ['ui.port = 8080', 'OK']);
  assert.equal(await h.cmd('get ui.hosx\x08t'), ['ui.host = 127.0.0.1', 'OK']);
  await con.stop();
});

t('a line over the limit is refused as a whole, and the next line works', async () => {
  const { con, h } = setup();
  await h.prompt();
  assert.equal(await h.cmd(`set hubUrl mqtt://${'h'.repeat(80)}`), ['ERR line-too-long line longer than 64 characters']);
  assert.is(con.config.hubUrl, 'mqtt://127.0.0.1:1883');
  assert.equal(await h.cmd('get ui.port'), ['ui.port = 8080', 'OK']);
  await con.stop();
});

t('non-printable bytes are refused with the byte named', async () => {
  const { con, h } = setup();
  await h.prompt();
  assert.equal(await h.cmd('sh\x1bow'), ['ERR bad-byte non-printable byte 0x1b in the line; use printable ASCII']);
  assert.equal(await h.cmd('set log.dir /var/log/\xc3\xa6'), ['ERR bad-byte non-printable byte 0xc3 in the line; use printable ASCII']);
  assert.is(con.config.log.dir, undefined);
  assert.equal(await h.cmd('\x00'), ['ERR bad-byte non-printable byte 0x00 in the line; use printable ASCII']);
  await con.stop();
});

t('stop() removes the listener: nothing more is answered', async () => {
  const { con, h } = setup();
  await h.prompt();
  await con.stop();
  await h.raw('help\n');
  await sleep(30);
  assert.is(h.text, '');
});

t('issue 10: the PEM ca shows on one line (a JSON string), so every reply stays one line per field', async () => {
  const ca = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';
  const { con, h } = setup({ config: config({ ca }) });
  await h.prompt();
  const show = await h.cmd('show');
  assert.ok(show.includes(`ca = ${JSON.stringify(ca)}`), show.join('\n'));
  assert.not.ok(show.includes('-----END CERTIFICATE-----'), 'no line of the PEM on its own');
  assert.equal(await h.cmd('get ca'), [`ca = ${JSON.stringify(ca)}`, 'OK']);
  await con.stop();
});

t.run();

/** A real serial line: socat's pseudo-terminal pair, both ends opened with the serialport adapter. */
const pty = suite('firmware/serial/provisioning-console over a pty');
let socat: ChildProcess | null = null;
const links: SerialportLink[] = [];

async function startSocat(exe: string): Promise<[string, string]> {
  const child = spawn(exe, ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  socat = child;
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const paths = await waitFor(() => {
    const found = [...stderr.matchAll(/PTY is (\/dev\/\S+)/g)].map((m) => m[1]!);
    return found.length === 2 ? (found as [string, string]) : null;
  }, 'socat to report both ptys');
  // both ends exist once socat has started transferring
  await waitFor(() => /starting data transfer loop/.test(stderr), 'socat to connect the ptys');
  return paths;
}

pty.after(async () => {
  await Promise.all(links.map((l) => l.close()));
  if (socat && socat.exitCode === null) {
    const exited = new Promise((r) => socat!.once('exit', r));
    socat.kill();
    await exited;
  }
});

pty('a provisioning session from an IT host over a serial line', async () => {
  const exe = needBinary('socat', 'socat', 'serial console over a pty');
  if (!exe) return;
  const [devicePath, hostPath] = await startSocat(exe);
  const device = await SerialportLink.open(devicePath);
  const it = await SerialportLink.open(hostPath, 115200);
  links.push(device, it);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'omstil-pty-')), 'device.json');
  const reboots: number[] = [];
  const con = new ProvisioningConsole({ link: device, file, config: config(), status: () => status, reboot: () => void reboots.push(1) });
  const h = host(it);
  con.start();
  try {
    await h.prompt();
    const show = await h.cmd('show');
    assert.ok(show.includes('hubUrl = mqtt://127.0.0.1:1883'));
    assert.is(show.at(-1), 'OK');
    assert.equal(await h.cmd('set hubUrl mqtts://hub.kommune.dk:8883'), ['OK']);
    const [bad] = await h.cmd('set ui.port 123456');
    assert.match(bad!, /^ERR bad-value ui\.port: /);
    assert.match((await h.cmd('show')).join('\n'), 'unsaved changes: hubUrl (save to keep them)');
    assert.equal(await h.cmd('save'), [`saved ${file}; reboot to apply`, 'OK']);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as ProvisionedConfig;
    assert.is(saved.hubUrl, 'mqtts://hub.kommune.dk:8883');
    assert.is(saved.ui.port, 8080);
    assert.equal(loadDeviceConfig(file, {}), con.config);
  } finally {
    await con.stop();
    rmSync(path.dirname(file), { recursive: true, force: true });
  }
  await it.close();
  try {
    await it.write(new Uint8Array([0x0a]));
    assert.unreachable('wrote to a closed port');
  } catch (err) {
    assert.instance(err, SerialError);
    assert.is((err as SerialError).code, 'serial-closed');
  }
});

pty.run();

const adapter = suite('firmware/serial/serialport-link');

adapter('opening a port that is not there fails with serial-open, and the process lives on', async () => {
  try {
    await SerialportLink.open('/dev/omstil-no-such-port');
    assert.unreachable('opened');
  } catch (err) {
    assert.instance(err, SerialError);
    assert.is((err as SerialError).code, 'serial-open');
    assert.match((err as Error).message, '/dev/omstil-no-such-port');
  }
});

adapter.run();
