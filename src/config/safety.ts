import { isLoopback } from '../../broker/embedded-broker.js';
import { verifyPassword } from '../../broker/password-hash.js';
import { ConfigError } from './load.js';
import type { BridgeConfig } from './load.js';

/**
 * Nothing that can switch mains power may listen beyond this machine without
 * authentication: an open broker or HTTP API on the LAN would let anyone there
 * switch the plugs. Checked before anything starts; failures are ConfigErrors.
 */
export function checkExposure(config: BridgeConfig): void {
  const { broker, http } = config;
  if (broker.enabled && !broker.anonymous && broker.users.length === 0) {
    throw new ConfigError('invalid configuration: broker.anonymous is false but broker.users is empty: nobody could connect');
  }
  if (broker.enabled && !isLoopback(broker.host) && (broker.anonymous || broker.users.length === 0)) {
    throw new ConfigError(
      `invalid configuration: broker.host (BROKER_HOST) is ${broker.host}, but anonymous clients ` +
        'could then switch your plugs from the network; keep 127.0.0.1, or configure broker.users ' +
        'and set BROKER_ANONYMOUS=false',
    );
  }
  if (http.enabled && !isLoopback(http.host) && http.token.length < MIN_NETWORK_TOKEN) {
    throw new ConfigError(
      `invalid configuration: http.host (HTTP_HOST) is ${http.host}, but the HTTP API would switch plugs ` +
        `for anyone on the network; set HTTP_TOKEN (at least ${MIN_NETWORK_TOKEN} characters), or keep 127.0.0.1`,
    );
  }
}

// Long enough that guessing it over the network is hopeless (e.g. openssl rand -hex 16).
const MIN_NETWORK_TOKEN = 16;

/** The bridge's own account must accept its password, or it would retry a wrong one forever. */
export async function checkBridgeAccount(config: BridgeConfig): Promise<void> {
  const { broker, mqtt } = config;
  if (!broker.enabled || config.mqtt.url !== '' || broker.users.length === 0) return;
  const account = broker.users.find((user) => user.username === mqtt.username);
  if (!account) {
    if (broker.anonymous) return;
    throw new ConfigError(
      'invalid configuration: the bridge needs its own broker account: set MQTT_USERNAME and MQTT_PASSWORD ' +
        'to one of broker.users',
    );
  }
  let matches = false;
  try {
    matches = await verifyPassword(mqtt.password, account.passwordHash);
  } catch (err) {
    throw new ConfigError(`invalid configuration: broker user "${account.username}": ${(err as Error).message}`);
  }
  if (!matches) {
    throw new ConfigError(`invalid configuration: MQTT_PASSWORD does not match the hash of broker user "${account.username}"`);
  }
}
