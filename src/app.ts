import { randomBytes } from 'node:crypto';
import { attachBoardPresence } from '../broker/board-presence.js';
import { startEmbeddedBroker } from '../broker/embedded-broker.js';
import type { EmbeddedBroker } from '../broker/embedded-broker.js';
import { Dispatcher } from './commands/dispatcher.js';
import { ConfigError } from './config/load.js';
import { checkBridgeAccount, checkExposure } from './config/safety.js';
import type { BridgeConfig, PlugConfig } from './config/load.js';
import { BridgeError } from './errors.js';
import { CloudHealth } from './features/cloud-health.js';
import { DeviceTopics } from './features/device-topics.js';
import { HomeAssistantDiscovery } from './features/homeassistant.js';
import { StatusPoller } from './features/poller.js';
import { nodeIdFor } from './homeassistant/payloads.js';
import { StatusPublisher } from './features/status-publisher.js';
import { startHttpApi } from './http/server.js';
import type { Logger } from './log/logger.js';
import { MqttConnection } from './mqtt/connection.js';
import { CommandRouter } from './mqtt/router.js';
import { topicsFor } from './mqtt/topics.js';
import { VERSION } from './version.js';
import { PlugRegistry } from './plugs/registry.js';
import { TuyaCloudClient } from './tuya/cloud/client.js';
import { regionBaseUrl } from './tuya/cloud/regions.js';
import { ResilientTransport } from './tuya/resilient-transport.js';
import { startSimulatedCloud } from './tuya/simulator/cloud.js';
import type { SimulatedCloud } from './tuya/simulator/cloud.js';

/** The plug the demo mode simulates when no Tuya credentials are set. */
export const DEMO_PLUG: PlugConfig = { name: 'demo-plug', id: 'bf0demo0plug0sim0001' };

// A poll that contradicts a command accepted this recently is the cloud lagging.
const SETTLE_MS = 10_000;

export interface App {
  readonly config: BridgeConfig;
  readonly registry: PlugRegistry;
  readonly dispatcher: Dispatcher;
  readonly cloud: CloudHealth;
  readonly connection: MqttConnection;
  readonly poller: StatusPoller;
  /** Set when the embedded broker runs. */
  readonly broker: EmbeddedBroker | undefined;
  /** Set in demo mode. */
  readonly simulator: SimulatedCloud | undefined;
  /** Port the HTTP API listens on, when enabled. */
  readonly httpPort: number | undefined;
  stop(): Promise<void>;
}

/**
 * The composition root: builds every part once, starts them in order and
 * stops them in reverse. Startup failures stop what had started.
 */
export async function startApp(config: BridgeConfig, logger: Logger): Promise<App> {
  const stack: Array<() => Promise<void> | void> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stack.reverse()) {
      try {
        await stop();
      } catch (err) {
        logger.error(`Error while stopping: ${(err as Error).message}`);
      }
    }
    stack.length = 0;
  };

  try {
    const secrets = [config.tuya.accessKey, config.mqtt.password, config.http.token];
    for (const secret of [...secrets, urlPassword(config.mqtt.url), urlPassword(config.tuya.baseUrl)]) {
      logger.addSecret(secret);
    }
    checkExposure(config);
    await checkBridgeAccount(config);

    let tuya = config.tuya;
    let plugs = config.plugs;
    let simulator: SimulatedCloud | undefined;
    const demo = tuya.accessId === '' || tuya.accessKey === '';
    if (demo) plugs = plugs.length > 0 ? plugs : [DEMO_PLUG];
    // Names are checked before anything starts, so a clash is a configuration error.
    if (plugs.length > 0) buildRegistry(plugs, config.defaultPlug);
    if (demo) {
      const accessId = `demo${randomBytes(8).toString('hex')}`;
      const accessKey = randomBytes(16).toString('hex');
      logger.addSecret(accessKey);
      simulator = await startSimulatedCloud({
        host: '127.0.0.1',
        port: config.simulator.port,
        accessId,
        accessKey,
        plugs: plugs.map((plug) => ({ id: plug.id, name: plug.name, energy: true })),
      });
      const sim = simulator;
      stack.push(() => sim.stop());
      tuya = { ...tuya, accessId, accessKey, baseUrl: simulator.url };
      logger.warn(
        `No Tuya credentials set (TUYA_ACCESS_ID, TUYA_ACCESS_KEY): demo mode with a simulated cloud ` +
          `and ${plugs.length === 1 ? 'one simulated plug' : `${plugs.length} simulated plugs`} (${plugs.map((p) => p.name).join(', ')})`,
      );
    }

    const client = new TuyaCloudClient({
      accessId: tuya.accessId,
      accessKey: tuya.accessKey,
      baseUrl: tuya.baseUrl || regionBaseUrl(tuya.region),
      timeoutMs: tuya.timeoutMs,
      switchCode: tuya.switchCode,
      logger: logger.child('cloud'),
    });
    const cloud = new CloudHealth(
      new ResilientTransport(client, {
        logger: logger.child('cloud'),
        retries: tuya.retries,
        retryDelayMs: tuya.retryDelayMs,
        breakerThreshold: tuya.breakerThreshold,
        breakerOpenMs: tuya.breakerOpenMs,
        concurrency: tuya.concurrency,
        accountPauseMs: tuya.accountPauseMs,
      }),
    );

    if (plugs.length === 0) {
      plugs = await discoverPlugs(client, logger);
    }
    const registry = buildRegistry(plugs, config.defaultPlug);

    let broker: EmbeddedBroker | undefined;
    let mqttUrl = config.mqtt.url;
    if (config.broker.enabled) {
      broker = await startBroker(config, logger);
      const started = broker;
      stack.push(() => started.close());
      const detach = attachBoardPresence(broker.aedes, { baseTopic: config.mqtt.baseTopic, logger: logger.child('boards') });
      stack.push(() => detach());
      if (mqttUrl === '') mqttUrl = broker.url;
    }
    if (mqttUrl === '') {
      throw new Error('no broker: set MQTT_URL, or enable the embedded broker (BROKER_ENABLED=true)');
    }

    const topics = topicsFor(config.mqtt.baseTopic);
    const connection = new MqttConnection({
      url: mqttUrl,
      username: config.mqtt.username,
      password: config.mqtt.password,
      clientId: config.mqtt.clientId,
      reconnectMs: config.mqtt.reconnectMs,
      availabilityTopic: topics.bridgeState,
      logger: logger.child('mqtt'),
    });
    const dispatcher = new Dispatcher({
      registry,
      transport: cloud,
      logger: logger.child('commands'),
      switchCode: tuya.switchCode,
      timeoutMs: config.commands.timeoutMs,
    });
    const router = new CommandRouter({
      connection,
      topics,
      dispatcher,
      registry,
      logger: logger.child('commands'),
      maxPayloadBytes: config.commands.maxPayloadBytes,
    });
    const publisher = new StatusPublisher(registry, connection, topics);
    const deviceTopics = new DeviceTopics(registry, connection, topics);
    const homeAssistant = config.homeassistant.enabled
      ? new HomeAssistantDiscovery({
          registry,
          connection,
          topics,
          context: { prefix: config.homeassistant.prefix, topics, nodeId: nodeIdFor(topics.base), version: VERSION },
          statusTopic: config.homeassistant.statusTopic,
          birthDelayMaxMs: config.homeassistant.birthDelayMaxMs,
          republishStates: () => deviceTopics.publishAll(),
          logger: logger.child('homeassistant'),
        })
      : undefined;
    const poller = new StatusPoller({
      registry,
      transport: cloud,
      logger: logger.child('poll'),
      switchCode: tuya.switchCode,
      intervalMs: config.poll.intervalSeconds * 1000,
      onlineEvery: config.poll.onlineEvery,
      settleMs: SETTLE_MS,
    });

    // After every reconnect: the broker may have restarted without its retained messages.
    connection.onConnect(() => void deviceTopics.publishAll());
    await connection.start();
    stack.push(() => connection.stop());
    await router.start();
    deviceTopics.start();
    stack.push(() => deviceTopics.stop());
    await deviceTopics.publishAll();
    if (homeAssistant) {
      await homeAssistant.start();
      stack.push(() => homeAssistant.stop());
    }
    // Before the connection closes: answer what is in flight, then say offline.
    stack.push(() => dispatcher.drain());
    publisher.start();
    stack.push(() => publisher.stop());
    poller.start();
    stack.push(() => poller.stop());

    let httpPort: number | undefined;
    if (config.http.enabled) {
      const http = await startHttpApi({
        host: config.http.host,
        port: config.http.port,
        dispatcher,
        registry,
        cloud,
        mqttConnected: () => connection.connected,
        onControl: (reply) => void connection.publish(topics.status, JSON.stringify(reply)),
        maxPayloadBytes: config.commands.maxPayloadBytes,
        token: config.http.token,
        tls: config.http.tlsCert !== '' ? { certFile: config.http.tlsCert, keyFile: config.http.tlsKey } : undefined,
        rateLimitPerMinute: config.http.rateLimit,
        logger: logger.child('http'),
      });
      httpPort = http.port;
      stack.push(() => http.app.close());
    }

    logger.info(`Bridge running: ${registry.all().length} plug(s), commands on ${topics.command}`);
    return {
      config,
      registry,
      dispatcher,
      cloud,
      connection,
      poller,
      broker,
      simulator,
      httpPort,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function buildRegistry(plugs: readonly PlugConfig[], defaultPlug: string): PlugRegistry {
  try {
    return new PlugRegistry(plugs, defaultPlug);
  } catch (err) {
    if (err instanceof BridgeError) throw new ConfigError(`invalid configuration: plugs: ${err.message}`);
    throw err;
  }
}

function urlPassword(url: string): string | undefined {
  if (url === '') return undefined;
  try {
    const password = new URL(url).password;
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

/** The embedded broker as configured; the bridge's own account is exempt from the publish rate. */
async function startBroker(config: BridgeConfig, logger: Logger): Promise<EmbeddedBroker> {
  const { broker } = config;
  const options: Parameters<typeof startEmbeddedBroker>[0] = {
    host: broker.host,
    port: broker.port,
    allowAnonymous: broker.anonymous,
    users: broker.users.map((user) => ({ ...user, unlimited: user.username === config.mqtt.username })),
    maxConnections: broker.maxConnections,
    maxPacketSize: broker.maxPacketBytes,
    publishRatePerSecond: broker.publishRate,
    publishBurst: broker.publishBurst,
    logger: logger.child('broker'),
  };
  if (broker.tlsPort !== 0) options.tls = { port: broker.tlsPort, certFile: broker.tlsCert, keyFile: broker.tlsKey };
  if (broker.wsPort !== 0) options.websocket = { port: broker.wsPort };
  try {
    return await startEmbeddedBroker(options);
  } catch (err) {
    // Bad hashes, filters or certificate files are the configuration's fault, not a crash.
    const message = (err as Error).message;
    // A port in use may free up: that is for a supervisor to retry, not a configuration error.
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' || /EADDRINUSE|EADDRNOTAVAIL/.test(message)) throw err;
    throw new ConfigError(`invalid configuration: broker: ${message}`);
  }
}

async function discoverPlugs(client: TuyaCloudClient, logger: Logger): Promise<PlugConfig[]> {
  const devices = await client.listDevices();
  const plugs = devices.map((device) => ({ name: device.name || device.id, id: device.id }));
  logger.info(`No plugs configured; found ${plugs.length} on the Tuya account`, {
    plugs: plugs.map((plug) => plug.name),
  });
  return plugs;
}
