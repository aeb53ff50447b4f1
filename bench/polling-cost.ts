import { randomBytes } from 'node:crypto';
import { StatusPoller } from '../src/features/poller.js';
import { silentLogger } from '../src/log/logger.js';
import { PlugRegistry } from '../src/plugs/registry.js';
import { TuyaCloudClient } from '../src/tuya/cloud/client.js';
import { startSimulatedCloud } from '../src/tuya/simulator/cloud.js';

export interface PollingCost {
  plugs: number;
  callsPerHour: number;
  callsPerPlugHour: number;
}

/**
 * Cloud calls that status tracking costs, measured by running the real poller
 * and cloud client against the simulator for `hours` of simulated time: the
 * clock jumps one poll interval at a time, so token refreshes count too.
 */
export async function measurePollingCost(plugCount: number, intervalSeconds: number, onlineEvery: number, hours = 24): Promise<PollingCost> {
  let clock = Date.now();
  const now = (): number => clock;
  const accessId = `cost${randomBytes(6).toString('hex')}`;
  const accessKey = randomBytes(16).toString('hex');
  const plugs = Array.from({ length: plugCount }, (_, i) => ({ id: `bf00cost${String(i).padStart(8, '0')}`, name: `plug ${i}`, energy: true }));
  const cloud = await startSimulatedCloud({ accessId, accessKey, plugs, now });
  const client = new TuyaCloudClient({ accessId, accessKey, baseUrl: cloud.url, timeoutMs: 5000, now });
  const registry = new PlugRegistry(plugs);
  const poller = new StatusPoller({
    registry,
    transport: client,
    logger: silentLogger,
    switchCode: 'switch_1',
    intervalMs: intervalSeconds * 1000,
    onlineEvery,
    settleMs: 10_000,
    now,
  });
  // The first poll reads each plug's specification once; that is a start-up cost, not tracking.
  await poller.pollNow();
  cloud.resetCounts();
  const polls = Math.round((hours * 3600) / intervalSeconds);
  for (let i = 0; i < polls; i += 1) {
    clock += intervalSeconds * 1000;
    await poller.pollNow();
  }
  const callsPerHour = cloud.totalCalls() / hours;
  await cloud.stop();
  return { plugs: plugCount, callsPerHour, callsPerPlugHour: callsPerHour / plugCount };
}
