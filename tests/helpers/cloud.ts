import { randomBytes } from 'node:crypto';
import { startSimulatedCloud } from '../../src/tuya/simulator/cloud.js';
import type { SimulatedCloud } from '../../src/tuya/simulator/cloud.js';
import type { SimulatedPlugOptions } from '../../src/tuya/simulator/plug.js';

export interface TestCloud {
  cloud: SimulatedCloud;
  /** Environment that points a bridge at this cloud with its credentials. */
  env: Record<string, string>;
}

/** A simulated cloud with fresh credentials, and the environment a bridge needs to use it. */
export async function startTestCloud(plugs: SimulatedPlugOptions[], listPlugs = true): Promise<TestCloud> {
  const accessId = `t${randomBytes(8).toString('hex')}`;
  const accessKey = randomBytes(16).toString('hex');
  const cloud = await startSimulatedCloud({ host: '127.0.0.1', port: 0, accessId, accessKey, plugs });
  const env: Record<string, string> = { TUYA_ACCESS_ID: accessId, TUYA_ACCESS_KEY: accessKey, TUYA_BASE_URL: cloud.url };
  if (listPlugs) env['PLUGS'] = JSON.stringify(plugs.map(({ name, id }) => ({ name, id })));
  return { cloud, env };
}
