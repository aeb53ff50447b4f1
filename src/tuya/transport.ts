/**
 * What the bridge needs from a way of reaching plugs (the Tuya cloud today, the
 * LAN later). Transports speak Tuya data points; they know nothing of MQTT.
 * Every method rejects with a BridgeError (src/errors.ts) carrying a stable code.
 */

/** One Tuya data point as the cloud reports it, e.g. {code: 'switch_1', value: true}. */
export interface DataPoint {
  code: string;
  value: unknown;
}

export interface DeviceStatus {
  id: string;
  status: DataPoint[];
}

export interface DeviceDetails {
  id: string;
  name: string;
  online: boolean;
  category: string;
  productId: string;
  productName: string;
  model: string;
}

/** A status code the plug declares, with its parsed `values` (unit, scale, min, max...). */
export interface DataPointSpec {
  code: string;
  type: string;
  values: Record<string, unknown>;
}

export interface DeviceSpecification {
  category: string;
  status: DataPointSpec[];
  functions: DataPointSpec[];
}

export interface PlugTransport {
  /** Sets the plug's switch data point to an absolute value. */
  sendSwitch(deviceId: string, on: boolean): Promise<void>;
  /** Reads one plug's current data points. */
  readStatus(deviceId: string): Promise<DataPoint[]>;
  /** Reads up to 20 plugs' data points in one call. */
  readStatusBatch(deviceIds: readonly string[]): Promise<DeviceStatus[]>;
  /** Reads a plug's details, including whether the cloud sees it online. */
  readDetails(deviceId: string): Promise<DeviceDetails>;
  /** Reads the plug's declared data points, with their units and scales. */
  readSpecification(deviceId: string): Promise<DeviceSpecification>;
}
