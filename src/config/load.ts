import convict from 'convict';
import { readFileSync } from 'node:fs';
import { schema } from './schema.js';
import type { PlugConfig } from './schema.js';

export type { PlugConfig };

export interface BrokerUserConfig {
  username: string;
  passwordHash: string;
  publish: string[];
  subscribe: string[];
}

export interface BridgeConfig {
  tuya: {
    accessId: string;
    accessKey: string;
    region: string;
    baseUrl: string;
    timeoutMs: number;
    retries: number;
    retryDelayMs: number;
    breakerThreshold: number;
    breakerOpenMs: number;
    concurrency: number;
    accountPauseMs: number;
    switchCode: string;
  };
  plugs: PlugConfig[];
  defaultPlug: string;
  mqtt: {
    url: string;
    username: string;
    password: string;
    baseTopic: string;
    clientId: string;
    reconnectMs: number;
  };
  broker: {
    enabled: boolean;
    host: string;
    port: number;
    users: BrokerUserConfig[];
    anonymous: boolean;
    tlsPort: number;
    tlsCert: string;
    tlsKey: string;
    wsPort: number;
    maxConnections: number;
    maxPacketBytes: number;
    publishRate: number;
    publishBurst: number;
  };
  http: { enabled: boolean; host: string; port: number; token: string; tlsCert: string; tlsKey: string; rateLimit: number };
  poll: { intervalSeconds: number; onlineEvery: number };
  commands: { timeoutMs: number; maxPayloadBytes: number };
  homeassistant: { enabled: boolean; prefix: string; statusTopic: string; birthDelayMaxMs: number };
  log: { level: string; format: 'auto' | 'pretty' | 'json' };
  simulator: { port: number };
}

/** A configuration problem that should stop the daemon with one clear message. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadOptions {
  /** Path of a JSON file; values in it override defaults, the environment overrides it. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values that override everything (used by tests). */
  overrides?: Record<string, unknown>;
}

/**
 * Loads and strictly validates the configuration. Unknown keys in the file,
 * wrong types and values outside the allowed set all throw a ConfigError that
 * names the key and what it accepts.
 */
export function loadConfig(options: LoadOptions = {}): BridgeConfig {
  const config = convict(schema, { env: options.env ?? process.env, args: [] });

  if (options.file) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${options.file}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`config file ${options.file} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`config file ${options.file} must hold a JSON object`);
    }
    // convict keeps the environment above loaded values (pinned in tests/config).
    config.load(parsed);
  }
  if (options.overrides) config.load(options.overrides);

  try {
    config.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`);
  }
  const result = config.getProperties() as unknown as BridgeConfig;
  if ((result.tuya.accessId === '') !== (result.tuya.accessKey === '')) {
    const missing = result.tuya.accessId === '' ? 'tuya.accessId (TUYA_ACCESS_ID)' : 'tuya.accessKey (TUYA_ACCESS_KEY)';
    throw new ConfigError(`invalid configuration: ${missing} is empty; set both credentials, or neither for demo mode`);
  }
  if (result.broker.tlsPort !== 0 && (result.broker.tlsCert === '' || result.broker.tlsKey === '')) {
    throw new ConfigError('invalid configuration: broker.tlsPort is set; set broker.tlsCert (BROKER_TLS_CERT) and broker.tlsKey (BROKER_TLS_KEY) too');
  }
  if ((result.http.tlsCert === '') !== (result.http.tlsKey === '')) {
    throw new ConfigError('invalid configuration: set both http.tlsCert (HTTP_TLS_CERT) and http.tlsKey (HTTP_TLS_KEY), or neither');
  }
  if (result.homeassistant.prefix === result.mqtt.baseTopic) {
    throw new ConfigError('invalid configuration: homeassistant.prefix must differ from mqtt.baseTopic');
  }
  if (result.mqtt.password !== '' && result.mqtt.username === '') {
    throw new ConfigError('invalid configuration: mqtt.password is set but mqtt.username (MQTT_USERNAME) is empty');
  }
  return result;
}
