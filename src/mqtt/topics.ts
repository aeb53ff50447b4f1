/**
 * The MQTT contract: every topic the bridge reads or writes is built here, from
 * the configured base topic, so nothing depends on a fixed depth.
 */
export interface Topics {
  base: string;
  /** Commands for any plug, by name or id in the payload. */
  command: string;
  /** One reply per command, plus state changes the bridge did not cause. */
  status: string;
  /** Retained online/offline of the bridge itself; also its last will. */
  bridgeState: string;
  /** Filters for every plug's /set and /get. */
  setFilter: string;
  getFilter: string;
  /** Filters for every ESP32 board's availability and telemetry. */
  boardAvailabilityFilter: string;
  boardTelemetryFilter: string;
  /** A plug's whole state, retained. */
  plug(segment: string): string;
  plugAvailability(segment: string): string;
  plugSet(segment: string): string;
  boardAvailability(boardId: string): string;
  boardTelemetry(boardId: string): string;
  /** The level after the base, when `topic` is <base>/<level>/<suffix>; else undefined. */
  levelOf(topic: string, suffix: string): string | undefined;
}

export function topicsFor(base: string): Topics {
  return {
    base,
    command: `${base}/command`,
    status: `${base}/status`,
    bridgeState: `${base}/bridge/state`,
    setFilter: `${base}/+/set`,
    getFilter: `${base}/+/get`,
    boardAvailabilityFilter: `${base}/esp32/+/availability`,
    boardTelemetryFilter: `${base}/esp32/+/telemetry`,
    plug: (segment) => `${base}/${segment}`,
    plugAvailability: (segment) => `${base}/${segment}/availability`,
    plugSet: (segment) => `${base}/${segment}/set`,
    boardAvailability: (boardId) => `${base}/esp32/${boardId}/availability`,
    boardTelemetry: (boardId) => `${base}/esp32/${boardId}/telemetry`,
    levelOf(topic, suffix) {
      const prefix = `${base}/`;
      const end = `/${suffix}`;
      if (!topic.startsWith(prefix) || !topic.endsWith(end)) return undefined;
      const level = topic.slice(prefix.length, topic.length - end.length);
      return level === '' || level.includes('/') ? undefined : level;
    },
  };
}
