import { startBridge } from '../helpers/bridge.js';
import { startTestCloud } from '../helpers/cloud.js';

function plugs(count: number) {
  return Array.from({ length: count }, (_, i) => ({ name: `plug ${i}`, id: `bf00many${String(i).padStart(8, '0')}` }));
}

describe('many plugs against the simulated cloud', () => {
  it.each([
    [20, 1],
    [21, 2],
  ])('polls %i plugs with %i batch status call(s)', async (count, batches) => {
    const sim = await startTestCloud(plugs(count));
    const bridge = await startBridge({ env: { ...sim.env, HA_DISCOVERY: 'false' } });
    try {
      await bridge.app.poller.pollNow(); // the first poll also reads specifications and details
      sim.cloud.resetCounts();
      await bridge.app.poller.pollNow();
      expect(sim.cloud.callCounts()).toEqual({ 'GET /v1.0/iot-03/devices/status': batches });
    } finally {
      await bridge.stop();
      await sim.cloud.stop();
    }
  });

  it('lists the account\'s devices with their app names when no plugs are configured', async () => {
    const sim = await startTestCloud([{ name: 'Hall light', id: 'bf00hall00000001' }, { name: 'Fan', id: 'bf00fan000000002' }], false);
    const bridge = await startBridge({ env: sim.env, captureLogs: true, logLevel: 'info' });
    try {
      expect(bridge.app.registry.all().map((plug) => plug.name)).toEqual(['Hall light', 'Fan']);
      expect(bridge.logs.join('')).toMatch(/found 2 on the Tuya account/);
    } finally {
      await bridge.stop();
      await sim.cloud.stop();
    }
  });
});
