import convict from 'convict';
import { TUYA_REGIONS } from '../tuya/cloud/regions.js';

/**
 * The one source of configuration keys: each has its doc, format, default and
 * environment variable here, and the README's table is written from this file.
 * Order of precedence: defaults, then the JSON file, then the environment.
 */

export interface PlugConfig {
  name: string;
  id: string;
}

const REGIONS: string[] = [...TUYA_REGIONS];

function assertPlugList(value: unknown): void {
  if (!Array.isArray(value)) throw new Error('must be a list of {"name","id"} objects');
  value.forEach((plug: unknown, index) => {
    const entry = plug as Partial<PlugConfig> | null;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new Error(`entry ${index} must be an object like {"name":"desk lamp","id":"bf..."}`);
    }
    if (typeof entry.name !== 'string' || entry.name.trim() === '') {
      throw new Error(`entry ${index} needs a non-empty "name"`);
    }
    if (typeof entry.id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(entry.id)) {
      throw new Error(`entry ${index} ("${entry.name}") needs an "id" of letters, digits, _ or -`);
    }
  });
}

convict.addFormat({
  name: 'plug-list',
  validate: assertPlugList,
  coerce(value: unknown) {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value; // left as text so that validate() reports it with the key's name
    }
  },
});

convict.addFormat({
  name: 'base-topic',
  validate(value: unknown) {
    if (typeof value !== 'string' || value === '') throw new Error('must be a non-empty topic');
    const levels = value.split('/');
    if (levels.some((level) => level === '')) throw new Error('must not start or end with "/" or contain "//"');
    if (/[#+\u0000]/.test(value)) throw new Error('must not contain the wildcards "#", "+" or NUL');
  },
});

convict.addFormat({
  name: 'optional-url',
  validate(value: unknown) {
    if (value === '') return;
    if (typeof value !== 'string') throw new Error('must be a URL');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`"${value}" is not a URL`);
    }
    if (!['mqtt:', 'mqtts:', 'ws:', 'wss:', 'http:', 'https:', 'tcp:'].includes(url.protocol)) {
      throw new Error(`unsupported scheme ${url.protocol}`);
    }
  },
});

export const schema = {
  tuya: {
    accessId: {
      doc: 'Access ID of your Tuya IoT cloud project. Leave empty to run the built-in simulated cloud.',
      format: String,
      default: '',
      env: 'TUYA_ACCESS_ID',
    },
    accessKey: {
      doc: 'Access Secret of your Tuya IoT cloud project.',
      format: String,
      default: '',
      env: 'TUYA_ACCESS_KEY',
      sensitive: true,
    },
    region: {
      doc: 'Data center of your Tuya project: cn, us, us-e, eu, eu-w, in or sg.',
      format: REGIONS,
      default: 'eu',
      env: 'TUYA_REGION',
    },
    baseUrl: {
      doc: 'Overrides the data-center host, e.g. for a proxy or the simulator.',
      format: 'optional-url',
      default: '',
      env: 'TUYA_BASE_URL',
    },
    timeoutMs: {
      doc: 'Time allowed for one cloud call, in milliseconds.',
      format: 'nat',
      default: 8000,
      env: 'TUYA_TIMEOUT_MS',
    },
    switchCode: {
      doc: 'Data point code of the plug relay.',
      format: String,
      default: 'switch_1',
      env: 'TUYA_SWITCH_CODE',
    },
  },
  plugs: {
    doc: 'The plugs, as a list of {"name","id"}. In the environment: a JSON list.',
    format: 'plug-list',
    default: [] as PlugConfig[],
    env: 'PLUGS',
  },
  defaultPlug: {
    doc: 'Plug used when a command names none. Defaults to the only plug when there is one.',
    format: String,
    default: '',
    env: 'DEFAULT_PLUG',
  },
  mqtt: {
    url: {
      doc: 'Broker to connect to, e.g. mqtt://192.168.1.10:1883. Empty: the embedded broker.',
      format: 'optional-url',
      default: '',
      env: 'MQTT_URL',
    },
    username: {
      doc: 'Username for the broker.',
      format: String,
      default: '',
      env: 'MQTT_USERNAME',
    },
    password: {
      doc: 'Password for the broker.',
      format: String,
      default: '',
      env: 'MQTT_PASSWORD',
      sensitive: true,
    },
    baseTopic: {
      doc: 'Prefix of every topic, any depth (e.g. home/tuya).',
      format: 'base-topic',
      default: 'tuya',
      env: 'MQTT_BASE_TOPIC',
    },
    clientId: {
      doc: 'MQTT client id of the bridge. Empty: tuya-mqtt-bridge-<random>, unique per instance.',
      format: String,
      default: '',
      env: 'MQTT_CLIENT_ID',
    },
    reconnectMs: {
      doc: 'Delay between reconnect attempts to the broker, in milliseconds.',
      format: 'nat',
      default: 2000,
      env: 'MQTT_RECONNECT_MS',
    },
  },
  broker: {
    enabled: {
      doc: 'Run the embedded Aedes broker. Turn off when MQTT_URL points at your own broker.',
      format: Boolean,
      default: true,
      env: 'BROKER_ENABLED',
    },
    host: {
      doc: 'Address the embedded broker listens on. Only loopback while anonymous clients are allowed.',
      format: String,
      default: '127.0.0.1',
      env: 'BROKER_HOST',
    },
    port: {
      doc: 'Port of the embedded broker (0: any free port).',
      format: 'port',
      default: 1883,
      env: 'BROKER_PORT',
    },
  },
  http: {
    enabled: {
      doc: 'Serve the HTTP API (/health, /api/status, /api/control).',
      format: Boolean,
      default: true,
      env: 'HTTP_ENABLED',
    },
    host: {
      doc: 'Address the HTTP API listens on.',
      format: String,
      default: '127.0.0.1',
      env: 'HTTP_HOST',
    },
    port: {
      doc: 'Port of the HTTP API (0: any free port).',
      format: 'port',
      default: 8080,
      env: 'HTTP_PORT',
    },
  },
  poll: {
    intervalSeconds: {
      doc: 'Seconds between status polls of the cloud (0: no polling). See "Quota" in the README.',
      format: 'nat',
      default: 150,
      env: 'POLL_INTERVAL_SECONDS',
    },
    onlineEvery: {
      doc: 'Read each plug\'s online flag every this many polls (it costs one call per plug).',
      format: 'nat',
      default: 12,
      env: 'POLL_ONLINE_EVERY',
    },
  },
  commands: {
    timeoutMs: {
      doc: 'Time allowed for a whole command, retries included, before a timeout reply.',
      format: 'nat',
      default: 10000,
      env: 'COMMAND_TIMEOUT_MS',
    },
    maxPayloadBytes: {
      doc: 'Largest command payload accepted, in bytes.',
      format: 'nat',
      default: 4096,
      env: 'COMMAND_MAX_PAYLOAD_BYTES',
    },
  },
  homeassistant: {
    enabled: {
      doc: 'Announce plugs, the bridge and ESP32 boards to Home Assistant by MQTT discovery.',
      format: Boolean,
      default: true,
      env: 'HA_DISCOVERY',
    },
    prefix: {
      doc: 'Home Assistant discovery prefix.',
      format: 'base-topic',
      default: 'homeassistant',
      env: 'HA_DISCOVERY_PREFIX',
    },
    statusTopic: {
      doc: 'Home Assistant birth topic; "online" there makes the bridge republish discovery and states.',
      format: 'base-topic',
      default: 'homeassistant/status',
      env: 'HA_STATUS_TOPIC',
    },
    birthDelayMaxMs: {
      doc: 'After a birth message, republish after a random delay up to this long (ms).',
      format: 'nat',
      default: 5000,
      env: 'HA_BIRTH_DELAY_MAX_MS',
    },
  },
  log: {
    level: {
      doc: 'Log level.',
      format: ['error', 'warn', 'info', 'debug'],
      default: 'info',
      env: 'LOG_LEVEL',
    },
    format: {
      doc: 'Log format: pretty lines, JSON lines, or auto (pretty on a terminal, JSON otherwise).',
      format: ['auto', 'pretty', 'json'],
      default: 'auto',
      env: 'LOG_FORMAT',
    },
  },
  simulator: {
    port: {
      doc: 'Port of the built-in simulated Tuya cloud, used when no credentials are set (0: any).',
      format: 'port',
      default: 0,
      env: 'SIMULATOR_PORT',
    },
  },
};
