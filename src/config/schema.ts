import { COUNT, MILLISECONDS, PAYLOAD_BYTES, POLL_SECONDS, PORT, REGIONS, wholeNumber } from './formats.js';

/**
 * The one source of configuration keys: each has its doc, format, default and
 * environment variable here, and the README's table is written from this file.
 * Order of precedence: defaults, then the JSON file, then the environment.
 */

export interface PlugConfig {
  name: string;
  id: string;
}

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
      sensitive: true,
    },
    timeoutMs: {
      doc: 'Time allowed for one cloud call, in milliseconds.',
      format: MILLISECONDS,
      default: 8000,
      env: 'TUYA_TIMEOUT_MS',
    },
    retries: {
      doc: 'Retries of a cloud call after a network error, timeout or Tuya 500 (exponential backoff with jitter).',
      format: wholeNumber('retries', 0, 10),
      default: 2,
      env: 'TUYA_RETRIES',
    },
    retryDelayMs: {
      doc: 'First retry delay in milliseconds; later ones grow exponentially.',
      format: MILLISECONDS,
      default: 200,
      env: 'TUYA_RETRY_DELAY_MS',
    },
    breakerThreshold: {
      doc: 'Consecutive cloud failures after which calls stop for a while and fail at once with cloud_unreachable.',
      format: wholeNumber('threshold', 1, 1000),
      default: 5,
      env: 'TUYA_BREAKER_THRESHOLD',
    },
    breakerOpenMs: {
      doc: 'How long calls stay stopped before one trial call, in milliseconds.',
      format: MILLISECONDS,
      default: 30_000,
      env: 'TUYA_BREAKER_OPEN_MS',
    },
    concurrency: {
      doc: 'Cloud calls in flight at once (each plug has at most one).',
      format: wholeNumber('calls', 1, 1000),
      default: 16,
      env: 'TUYA_CONCURRENCY',
    },
    accountPauseMs: {
      doc: 'After a Tuya account error (quota used up, plan expired), pause all calls this long, doubling up to an hour.',
      format: MILLISECONDS,
      default: 300_000,
      env: 'TUYA_ACCOUNT_PAUSE_MS',
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
      doc: 'Broker to connect to, e.g. mqtt://192.168.1.10:1883 (put credentials in MQTT_USERNAME/MQTT_PASSWORD). Empty: the embedded broker.',
      format: 'optional-url',
      default: '',
      env: 'MQTT_URL',
      sensitive: true,
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
      format: MILLISECONDS,
      default: 2000,
      env: 'MQTT_RECONNECT_MS',
    },
  },
  broker: {
    enabled: {
      doc: 'Run the embedded Aedes broker. Turn off when MQTT_URL points at your own broker.',
      format: 'switch',
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
      format: PORT,
      default: 1883,
      env: 'BROKER_PORT',
    },
    users: {
      doc: 'Broker accounts: a list of {"username","passwordHash","publish":[filters],"subscribe":[filters]} (see config/example.json).',
      format: 'broker-users',
      default: [] as unknown[],
      env: 'BROKER_USERS',
    },
    anonymous: {
      doc: 'Let clients connect without a username, with full access. Refused unless every listener is on loopback.',
      format: 'switch',
      default: true,
      env: 'BROKER_ANONYMOUS',
    },
    tlsPort: {
      doc: 'Port of the MQTT over TLS listener (mqtts; 8883 is usual). 0: off.',
      format: PORT,
      default: 0,
      env: 'BROKER_TLS_PORT',
    },
    tlsCert: {
      doc: 'Certificate file (PEM) of the TLS listener; npm run make-cert makes a self-signed one.',
      format: String,
      default: '',
      env: 'BROKER_TLS_CERT',
    },
    tlsKey: {
      doc: 'Private key file (PEM) of the TLS listener.',
      format: String,
      default: '',
      env: 'BROKER_TLS_KEY',
    },
    wsPort: {
      doc: 'Port of the MQTT over WebSockets listener, for browser clients (9001 is usual). 0: off.',
      format: PORT,
      default: 0,
      env: 'BROKER_WS_PORT',
    },
    maxConnections: {
      doc: 'Most client connections at once, over all listeners (0: no limit).',
      format: wholeNumber('connections', 0, 100_000),
      default: 100,
      env: 'BROKER_MAX_CONNECTIONS',
    },
    maxPacketBytes: {
      doc: 'Largest MQTT packet accepted; a client sending a larger one is disconnected.',
      format: PAYLOAD_BYTES,
      default: 1_048_576,
      env: 'BROKER_MAX_PACKET_BYTES',
    },
    publishRate: {
      doc: 'Publishes per second allowed to each logged-in client (0: no limit); the bridge\'s own account is exempt.',
      format: wholeNumber('rate', 0, 100_000),
      default: 50,
      env: 'BROKER_PUBLISH_RATE',
    },
    publishBurst: {
      doc: 'Publishes a logged-in client may send at once before the rate applies.',
      format: wholeNumber('burst', 1, 100_000),
      default: 200,
      env: 'BROKER_PUBLISH_BURST',
    },
  },
  http: {
    enabled: {
      doc: 'Serve the HTTP API (/health, /api/status, /api/control).',
      format: 'switch',
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
      format: PORT,
      default: 8080,
      env: 'HTTP_PORT',
    },
    token: {
      doc: 'Bearer token required on /api/* (Authorization: Bearer <token>). Empty: no authentication, loopback only.',
      format: String,
      default: '',
      env: 'HTTP_TOKEN',
      sensitive: true,
    },
    tlsCert: {
      doc: 'Certificate file (PEM): when set with HTTP_TLS_KEY, the API is served over HTTPS.',
      format: String,
      default: '',
      env: 'HTTP_TLS_CERT',
    },
    tlsKey: {
      doc: 'Private key file (PEM) for HTTPS.',
      format: String,
      default: '',
      env: 'HTTP_TLS_KEY',
    },
    rateLimit: {
      doc: 'Requests per minute allowed from one client address (0: no limit).',
      format: wholeNumber('requests', 0, 1_000_000),
      default: 300,
      env: 'HTTP_RATE_LIMIT',
    },
  },
  poll: {
    intervalSeconds: {
      doc: 'Seconds between status polls of the cloud (0: no polling). See "Quota" in the README.',
      format: POLL_SECONDS,
      default: 150,
      env: 'POLL_INTERVAL_SECONDS',
    },
    onlineEvery: {
      doc: 'Read each plug\'s online flag every this many polls (it costs one call per plug).',
      format: COUNT,
      default: 12,
      env: 'POLL_ONLINE_EVERY',
    },
  },
  commands: {
    timeoutMs: {
      doc: 'Time allowed for a whole command, retries included, before a timeout reply.',
      format: MILLISECONDS,
      default: 10000,
      env: 'COMMAND_TIMEOUT_MS',
    },
    maxPayloadBytes: {
      doc: 'Largest command payload accepted, in bytes.',
      format: PAYLOAD_BYTES,
      default: 4096,
      env: 'COMMAND_MAX_PAYLOAD_BYTES',
    },
  },
  homeassistant: {
    enabled: {
      doc: 'Announce plugs, the bridge and ESP32 boards to Home Assistant by MQTT discovery.',
      format: 'switch',
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
      format: wholeNumber('delay-ms', 0, 600_000),
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
      format: PORT,
      default: 0,
      env: 'SIMULATOR_PORT',
    },
  },
};
