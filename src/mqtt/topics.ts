/**
 * The MQTT contract: every topic the bridge reads or writes is built here, from
 * the configured base topic, so nothing depends on a fixed depth.
 */
export interface Topics {
  /** Commands for any plug, by name or id in the payload. */
  command: string;
  /** One reply per command, plus state changes the bridge did not cause. */
  status: string;
  /** Retained online/offline of the bridge itself; also its last will. */
  bridgeState: string;
}

export function topicsFor(baseTopic: string): Topics {
  return {
    command: `${baseTopic}/command`,
    status: `${baseTopic}/status`,
    bridgeState: `${baseTopic}/bridge/state`,
  };
}
