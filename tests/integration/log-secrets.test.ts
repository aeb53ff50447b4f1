import { randomBytes } from 'node:crypto';
import { startSimulatedCloud } from '../../src/tuya/simulator/cloud.js';
import { MqttProbe, startBridge } from '../helpers/bridge.js';

describe('logs at debug level', () => {
  it('never contain the access key, tokens, signatures, local keys or passwords', async () => {
    const accessId = `lg${randomBytes(6).toString('hex')}`;
    const accessKey = randomBytes(16).toString('hex');
    const plugs = [{ name: 'lamp', id: 'bf00lamp00000001' }];
    const cloud = await startSimulatedCloud({ host: '127.0.0.1', port: 0, accessId, accessKey, plugs });
    const seenTokens = new Set<string>();
    const seenSigns = new Set<string>();
    const seenLocalKeys = new Set<string>();
    // Watch the traffic itself, so the test knows every token and sign that existed.
    const originalFetch = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      for (const name of ['sign', 'access_token']) {
        const value = headers.get(name);
        if (value) (name === 'sign' ? seenSigns : seenTokens).add(value);
      }
      const response = await originalFetch(input, init);
      const text = await response.clone().text();
      for (const match of text.matchAll(/"(?:access_token|refresh_token)":"([^"]+)"/g)) seenTokens.add(match[1]!);
      for (const match of text.matchAll(/"local_key":"([^"]+)"/g)) seenLocalKeys.add(match[1]!);
      return response;
    };
    const bridge = await startBridge({
      captureLogs: true,
      env: {
        TUYA_ACCESS_ID: accessId,
        TUYA_ACCESS_KEY: accessKey,
        TUYA_BASE_URL: cloud.url,
        PLUGS: JSON.stringify(plugs),
        MQTT_USERNAME: 'bridge',
        HTTP_TOKEN: 'http-token-abcdef',
        POLL_INTERVAL_SECONDS: '3600',
        MQTT_PASSWORD: 'mqtt-password-123',
      },
    });
    try {
      const probe = await MqttProbe.connect(bridge.mqttUrl);
      await bridge.app.poller.pollNow(); // details (with the plug's local key) and specification
      await fetch(`${bridge.httpUrl}/api/status`, { headers: { authorization: 'Bearer http-token-abcdef' } });
      await fetch(`${bridge.httpUrl}/api/status`, { headers: { authorization: 'Bearer wrong-token-123' } });
      await probe.command({ action: 'on' });
      cloud.expireTokens();
      await probe.command({ action: 'toggle' });
      await probe.command({ action: 'status' });
      cloud.setOnline('bf00lamp00000001', false);
      await probe.command({ action: 'off' });
      await probe.send('{"broken"');
      await probe.command({ action: 'off', device: 'nope' });
      await probe.close();
    } finally {
      globalThis.fetch = originalFetch;
      await bridge.stop();
      await cloud.stop();
    }

    const text = bridge.logs.join('');
    expect(bridge.logs.length).toBeGreaterThan(5);
    expect(seenTokens.size).toBeGreaterThanOrEqual(2);
    expect(seenSigns.size).toBeGreaterThan(3);
    expect(seenLocalKeys.size).toBe(1);
    for (const secret of [accessKey, 'mqtt-password-123', 'http-token-abcdef', 'wrong-token-123', ...seenTokens, ...seenSigns, ...seenLocalKeys]) {
      expect(text).not.toContain(secret);
    }
  });
});
