import { createHash } from 'node:crypto';
import type { Topics } from '../mqtt/topics.js';
import type { Plug } from '../plugs/registry.js';
import { READINGS } from '../tuya/datapoints.js';
import type { Reading } from '../tuya/datapoints.js';

/**
 * Home Assistant MQTT discovery configs, built as plain data (facts sheet
 * §5): one switch and up to four sensors per plug, one device per plug, a
 * device for the bridge, and one for each ESP32 board. unique_ids come from
 * Tuya ids and board ids, never from friendly names, so renaming a plug in the
 * configuration keeps its Home Assistant history.
 */

export interface DiscoveryContext {
  prefix: string;
  topics: Topics;
  /** Discovery node id: one per bridge instance, so two bridges on one broker never collide. */
  nodeId: string;
  version: string;
}

export interface DiscoveryMessage {
  topic: string;
  config: Record<string, unknown>;
}

const ORIGIN_NAME = 'tuya-mqtt-bridge';

/**
 * Only [a-zA-Z0-9_-] is allowed in discovery node and object ids. Text that
 * needs changing gets a short hash of the original, so "Ünï" and "_n_" stay apart.
 */
export function discoveryId(text: string): string {
  const safe = text.replace(/[^a-zA-Z0-9_-]/g, '_');
  if (safe === text) return text;
  return `${safe}_${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}

export function nodeIdFor(baseTopic: string): string {
  return `tuya_mqtt_bridge_${baseTopic.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
}

const SENSORS: Readonly<Record<Reading, { device_class: string; state_class: string; name: string }>> = {
  power: { device_class: 'power', state_class: 'measurement', name: 'Power' },
  voltage: { device_class: 'voltage', state_class: 'measurement', name: 'Voltage' },
  current: { device_class: 'current', state_class: 'measurement', name: 'Current' },
  energy: { device_class: 'energy', state_class: 'total_increasing', name: 'Energy' },
};

function topicFor(context: DiscoveryContext, component: string, objectId: string): string {
  return `${context.prefix}/${component}/${context.nodeId}/${discoveryId(objectId)}/config`;
}

function origin(context: DiscoveryContext): Record<string, unknown> {
  return { name: ORIGIN_NAME, sw_version: context.version };
}

function bridgeIdentifier(context: DiscoveryContext): string {
  return `${context.nodeId}_bridge`;
}

/** The object ids a plug owns; used to tell our stale configs from live ones. */
export function plugObjectIds(plug: Plug): string[] {
  const readings = Object.keys(plug.energy ?? {}) as Reading[];
  return [`${plug.id}_switch`, ...readings.map((reading) => `${plug.id}_${reading}`)].map(discoveryId);
}

export function plugDiscovery(plug: Plug, context: DiscoveryContext): DiscoveryMessage[] {
  const { topics } = context;
  const stateTopic = topics.plug(plug.segment);
  const details = plug.details;
  const device: Record<string, unknown> = {
    identifiers: [`tuya_${plug.id}`],
    name: plug.name,
    manufacturer: 'Tuya',
    via_device: bridgeIdentifier(context),
  };
  if (details?.model || details?.productName) device['model'] = details.model || details.productName;
  if (details?.productId) device['model_id'] = details.productId;
  const shared = {
    device,
    origin: origin(context),
    availability: [{ topic: topics.bridgeState }, { topic: topics.plugAvailability(plug.segment) }],
    availability_mode: 'all',
    state_topic: stateTopic,
  };

  const messages: DiscoveryMessage[] = [
    {
      topic: topicFor(context, 'switch', `${plug.id}_switch`),
      config: {
        ...shared,
        name: null, // the entity takes the device's name: "Desk lamp", not "Desk lamp switch"
        unique_id: `${context.nodeId}_${plug.id}_switch`,
        device_class: 'outlet',
        command_topic: topics.plugSet(plug.segment),
        payload_on: 'ON',
        payload_off: 'OFF',
        value_template: '{{ value_json.state }}',
      },
    },
  ];
  for (const reading of Object.keys(plug.energy ?? {}) as Reading[]) {
    const sensor = SENSORS[reading];
    messages.push({
      topic: topicFor(context, 'sensor', `${plug.id}_${reading}`),
      config: {
        ...shared,
        name: sensor.name,
        unique_id: `${context.nodeId}_${plug.id}_${reading}`,
        device_class: sensor.device_class,
        state_class: sensor.state_class,
        unit_of_measurement: READINGS[reading].unit,
        value_template: `{{ value_json.${reading} }}`,
      },
    });
  }
  return messages;
}

/** The bridge's own device, with one diagnostic entity so that it shows up. */
export function bridgeDiscovery(context: DiscoveryContext): DiscoveryMessage {
  return {
    topic: topicFor(context, 'binary_sensor', 'bridge_connection'),
    config: {
      name: 'Connection',
      unique_id: `${context.nodeId}_bridge_connection`,
      device_class: 'connectivity',
      entity_category: 'diagnostic',
      state_topic: context.topics.bridgeState,
      payload_on: 'online',
      payload_off: 'offline',
      device: {
        identifiers: [bridgeIdentifier(context)],
        name: `Tuya MQTT Bridge (${context.topics.base})`,
        manufacturer: 'tuya-mqtt-bridge',
        model: 'Tuya MQTT bridge',
        sw_version: context.version,
      },
      origin: origin(context),
    },
  };
}

/** What an ESP32 board's telemetry carries (firmware/tuya-button.js), as diagnostic sensors. */
const BOARD_SENSORS: ReadonlyArray<{ key: string; name: string; extra: Record<string, unknown> }> = [
  { key: 'rssi', name: 'Wi-Fi signal', extra: { device_class: 'signal_strength', unit_of_measurement: 'dBm', state_class: 'measurement' } },
  { key: 'mem_free', name: 'Free memory', extra: { unit_of_measurement: 'blocks', state_class: 'measurement', icon: 'mdi:memory' } },
  { key: 'uptime_s', name: 'Uptime', extra: { device_class: 'duration', unit_of_measurement: 's', state_class: 'total_increasing' } },
  { key: 'battery_v', name: 'Battery voltage', extra: { device_class: 'voltage', unit_of_measurement: 'V', state_class: 'measurement' } },
  { key: 'chip_temp_c', name: 'Chip temperature', extra: { device_class: 'temperature', unit_of_measurement: '°C', state_class: 'measurement' } },
];

/** A board's configs: its connection, and a sensor for each telemetry field it has sent. */
export function boardDiscovery(boardId: string, fields: ReadonlySet<string>, context: DiscoveryContext): DiscoveryMessage[] {
  const id = discoveryId(boardId);
  const device = {
    identifiers: [`${context.nodeId}_board_${id}`],
    name: `ESP32 button ${boardId}`,
    manufacturer: 'Adafruit',
    model: 'Feather HUZZAH32 (Espruino)',
    via_device: bridgeIdentifier(context),
  };
  const availability = [{ topic: context.topics.bridgeState }, { topic: context.topics.boardAvailability(boardId) }];
  const connectivity: DiscoveryMessage = {
    topic: topicFor(context, 'binary_sensor', `${id}_online`),
    config: {
      name: 'Connection',
      unique_id: `${context.nodeId}_board_${id}_online`,
      device_class: 'connectivity',
      entity_category: 'diagnostic',
      state_topic: context.topics.boardAvailability(boardId),
      payload_on: 'online',
      payload_off: 'offline',
      device,
      origin: origin(context),
    },
  };
  return [
    connectivity,
    ...BOARD_SENSORS.filter((sensor) => fields.has(sensor.key)).map((sensor) => ({
      topic: topicFor(context, 'sensor', `${id}_${sensor.key}`),
      config: {
        name: sensor.name,
        unique_id: `${context.nodeId}_board_${id}_${sensor.key}`,
        entity_category: 'diagnostic',
        state_topic: context.topics.boardTelemetry(boardId),
        value_template: `{{ value_json.${sensor.key} }}`,
        availability,
        availability_mode: 'all',
        device,
        origin: origin(context),
        ...sensor.extra,
      },
    })),
  ];
}
