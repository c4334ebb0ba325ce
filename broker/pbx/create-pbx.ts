/**
 * The PbxPort the configuration asks for (`pbx`, `pbxUrl`, `pbxEvents`, `pbxUser`,
 * `pbxSecret`): Kamailio over its JSON-RPC, Asterisk over AMI, or none. The simulator's PBX
 * belongs to `omstil up` (tools/cli), which passes it in as `simulated`. A missing setting is
 * a ConfigError naming it.
 */
import type { Logger } from '../../protocol/index.js';
import { ConfigError, type Config } from '../config.js';
import { AsteriskAmiPbx } from './asterisk-ami-pbx.js';
import { KamailioPbx } from './kamailio-pbx.js';
import { NoPbx, type PbxPort } from './pbx-port.js';

export function createPbx(config: Config, logger: Logger, simulated?: () => PbxPort): PbxPort {
  const need = <K extends 'pbxUrl' | 'pbxUser' | 'pbxSecret'>(key: K): string => {
    const v = config[key];
    if (!v) throw new ConfigError(`${key}: required when pbx is "${config.pbx}"`);
    return v;
  };
  switch (config.pbx) {
    case 'none':
      return new NoPbx();
    case 'simulated':
      if (!simulated) throw new ConfigError('pbx: "simulated" runs with `omstil up` (simulated phones answer its calls); the hub alone takes "kamailio", "asterisk" or "none"');
      return simulated();
    case 'kamailio': {
      const events = config.pbxEvents ? { host: config.pbxEvents.split(':')[0]!, port: Number(config.pbxEvents.split(':')[1]) } : undefined;
      return new KamailioPbx({ rpcUrl: need('pbxUrl'), ...(events ? { events } : {}), logger });
    }
    case 'asterisk': {
      const url = new URL(need('pbxUrl'));
      if (url.protocol !== 'tcp:') throw new ConfigError(`pbxUrl: the Asterisk manager interface is tcp://host:port (got ${url.protocol})`);
      return new AsteriskAmiPbx({ host: url.hostname, port: url.port ? Number(url.port) : 5038, username: need('pbxUser'), secret: need('pbxSecret'), logger });
    }
  }
}
