// The firmware's Storage config (firmware/README.md, "Config keys") with timings short enough
// for tests. Real boards use the firmware defaults (seconds to a minute).

export interface FirmwareConfig {
  device: string;
  mode: 'mqtt' | 'http';
  wifi: { ssid: string; password: string };
  mqtt: {
    host: string;
    port: number;
    username: string;
    password: string;
    baseTopic: string;
    keepAlive: number;
  };
  http: { url: string };
  pins: { button: string; led: string; battery: string | null };
  battery: { fullScale: number; divider: number };
  timing: {
    debounceMs: number;
    longPressMs: number;
    replyTimeoutMs: number;
    statusPollMs: number;
    telemetryMs: number;
    httpPollMs: number;
    wifiRetryMinMs: number;
    wifiRetryMaxMs: number;
    mqttRetryMinMs: number;
    mqttRetryMaxMs: number;
    authRetryMs: number;
    authFailWindowMs: number;
  };
}

/** Any key of a section may be given; the rest keeps the test default. */
export type ConfigOverrides = {
  [K in keyof FirmwareConfig]?: FirmwareConfig[K] extends object
    ? Partial<FirmwareConfig[K]>
    : FirmwareConfig[K];
};

/** A valid config for a board talking to 127.0.0.1, with fast timings; sections merge. */
export function testConfig(overrides: ConfigOverrides = {}): FirmwareConfig {
  const base: FirmwareConfig = {
    device: 'demo-plug',
    mode: 'mqtt',
    wifi: { ssid: 'test-ap', password: 'test-pass' },
    mqtt: { host: '127.0.0.1', port: 1883, username: '', password: '', baseTopic: 'tuya', keepAlive: 30 },
    http: { url: '' },
    pins: { button: 'D21', led: 'D13', battery: 'D35' },
    battery: { fullScale: 3.6, divider: 2 },
    timing: {
      debounceMs: 20,
      longPressMs: 400,
      replyTimeoutMs: 1500,
      statusPollMs: 0,
      telemetryMs: 0,
      httpPollMs: 300,
      wifiRetryMinMs: 100,
      wifiRetryMaxMs: 800,
      mqttRetryMinMs: 100,
      mqttRetryMaxMs: 800,
      authRetryMs: 500,
      authFailWindowMs: 1000,
    },
  };
  return {
    device: overrides.device ?? base.device,
    mode: overrides.mode ?? base.mode,
    wifi: { ...base.wifi, ...overrides.wifi },
    mqtt: { ...base.mqtt, ...overrides.mqtt },
    http: { ...base.http, ...overrides.http },
    pins: { ...base.pins, ...overrides.pins },
    battery: { ...base.battery, ...overrides.battery },
    timing: { ...base.timing, ...overrides.timing },
  };
}
