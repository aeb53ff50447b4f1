import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { startSimulatedCloud } from '../src/tuya/simulator/cloud.js';
import { loadConfig } from '../src/config/load.js';
import { startDaemon } from './daemon.js';
import { measurePollingCost } from './polling-cost.js';
import { Requester, startEchoResponder } from './round-trip.js';
import { ms, summarize } from './stats.js';

/**
 * `npm run bench`: every figure comes from one run against one broker (the
 * daemon's embedded Aedes), so the bridge is compared with a raw round trip
 * and an echo responder measured minutes apart on the same machine.
 */
const ROUND_TRIPS = Number(process.env['BENCH_ROUND_TRIPS'] ?? 2000);
const SUSTAINED = Number(process.env['BENCH_SUSTAINED'] ?? 20000);
const IN_FLIGHT = 64;
const root = join(import.meta.dirname, '..', '..');

async function waitOnline(url: string): Promise<void> {
  const client = await mqtt.connectAsync(url);
  await new Promise<void>((resolve) => {
    client.on('message', (_topic, payload) => {
      if (payload.toString() === 'online') resolve();
    });
    void client.subscribeAsync('tuya/bridge/state');
  });
  await client.endAsync();
}

async function timeFetch(url: string, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count + 200; i += 1) {
    const started = performance.now();
    await (await fetch(url)).arrayBuffer();
    if (i >= 200) samples.push(performance.now() - started);
  }
  return samples;
}

async function main(): Promise<void> {
  const accessId = `bench${randomBytes(6).toString('hex')}`;
  const accessKey = randomBytes(16).toString('hex');
  // Plug 0 takes the single-plug series; all 64 take the spread series, one per lane.
  const plugs = Array.from({ length: IN_FLIGHT }, (_, i) => ({ id: `bf00bench${String(i).padStart(7, '0')}`, name: `bench-${i}` }));
  const plug = plugs[0]!;
  const cloud = await startSimulatedCloud({ host: '127.0.0.1', port: 0, accessId, accessKey, plugs: plugs.map((p) => ({ ...p, energy: true })) });
  const daemon = await startDaemon(root, {
    TUYA_ACCESS_ID: accessId,
    TUYA_ACCESS_KEY: accessKey,
    TUYA_BASE_URL: cloud.url,
    PLUGS: JSON.stringify(plugs),
    POLL_INTERVAL_SECONDS: '0',
  });
  await waitOnline(daemon.brokerUrl);
  const rssIdle = daemon.rssMiB();
  const lines: string[] = [];
  const say = (line: string): void => {
    lines.push(line);
    console.log(line);
  };
  say(`tuya-mqtt-bridge benchmark: node ${process.version}, ${ROUND_TRIPS} round trips per series, ${SUSTAINED} sustained commands`);

  // 1. Raw broker: publish to a topic the same client listens on.
  const raw = await Requester.connect(daemon.brokerUrl, 'bench/raw', 'bench/raw');
  await raw.sequential(200, () => ({}));
  const rawRtt = summarize(await raw.sequential(ROUND_TRIPS, () => ({})));
  await raw.close();
  say(`raw publish->receive        p50 ${ms(rawRtt.p50)}  p99 ${ms(rawRtt.p99)}`);

  // 2. Echo floor: parse the command, publish a reply.
  const echo = await startEchoResponder(daemon.brokerUrl, 'bench/command', 'bench/status');
  const echoRequester = await Requester.connect(daemon.brokerUrl, 'bench/command', 'bench/status');
  const onOff = (i: number) => ({ action: i % 2 === 0 ? 'on' : 'off', device: plug.name });
  await echoRequester.sequential(200, onOff);
  const echoRtt = summarize(await echoRequester.sequential(ROUND_TRIPS, onOff));
  say(`echo responder (floor)      p50 ${ms(echoRtt.p50)}  p99 ${ms(echoRtt.p99)}`);
  const echoRate = await echoRequester.sustained(SUSTAINED, IN_FLIGHT, onOff);
  await echoRequester.close();
  await echo.endAsync();
  say(`echo sustained, ${IN_FLIGHT} in flight  ${echoRate.toFixed(0)} commands/s`);

  // 3. One bare HTTP request to the simulated cloud's port with fetch: the floor of
  //    any cloud call, which every bridge command adds to the echo floor.
  const fetchRtt = summarize(await timeFetch(`${cloud.url}/v1.0/token?grant_type=1`, ROUND_TRIPS));
  say(`bare fetch to the simulator p50 ${ms(fetchRtt.p50)}  p99 ${ms(fetchRtt.p99)}  (an unsigned request, answered 1004)`);

  // 4. The bridge, simulated cloud at 0 ms.
  const bridge = await Requester.connect(daemon.brokerUrl, 'tuya/command', 'tuya/status');
  await bridge.sequential(200, onOff);
  const bridgeRtt = summarize(await bridge.sequential(ROUND_TRIPS, onOff));
  say(
    `bridge command->reply       p50 ${ms(bridgeRtt.p50)}  p99 ${ms(bridgeRtt.p99)}  ` +
      `(${(bridgeRtt.p50 / echoRtt.p50).toFixed(2)}x echo p50; target <= 1.5x)`,
  );

  say(
    `bridge minus fetch floor    p50 ${ms(bridgeRtt.p50 - fetchRtt.p50)}  ` +
      `(${((bridgeRtt.p50 - fetchRtt.p50) / echoRtt.p50).toFixed(2)}x echo p50)`,
  );

  let before = cloud.totalCalls();
  const bridgeRate = await bridge.sustained(SUSTAINED, IN_FLIGHT, onOff);
  const callsOnePlug = cloud.totalCalls() - before;
  say(
    `bridge sustained, ${IN_FLIGHT} in flight, one plug   ${bridgeRate.toFixed(0)} commands/s ` +
      `(${(bridgeRate / echoRate).toFixed(2)}x echo; target >= 5000/s; ${callsOnePlug} cloud calls: bursts coalesce)`,
  );
  const spread = (i: number) => ({ action: i % 3 === 0 ? 'off' : 'on', device: plugs[i % plugs.length]!.name });
  before = cloud.totalCalls();
  const spreadRate = await bridge.sustained(SUSTAINED / 4, IN_FLIGHT, spread);
  const callsSpread = cloud.totalCalls() - before;
  say(
    `bridge sustained, ${IN_FLIGHT} in flight, ${plugs.length} plugs ${spreadRate.toFixed(0)} commands/s ` +
      `(${callsSpread} cloud calls for ${SUSTAINED / 4} commands)`,
  );

  // 5. Cloud calls per command.
  cloud.resetCounts();
  for (let i = 0; i < 100; i += 1) await bridge.request(onOff(i));
  const perOnOff = cloud.totalCalls() / 100;
  cloud.resetCounts();
  for (let i = 0; i < 100; i += 1) await bridge.request({ action: 'toggle', device: plug.name });
  const perToggle = cloud.totalCalls() / 100;
  say(`cloud calls per on/off      ${perOnOff.toFixed(2)} (target 1)`);
  say(`cloud calls per toggle      ${perToggle.toFixed(2)}`);
  await bridge.close();

  say(`daemon RSS                  idle ${rssIdle.toFixed(1)} MiB (${plugs.length} plugs), after load ${daemon.rssMiB().toFixed(1)} MiB`);
  await daemon.stop();
  await cloud.stop();

  // 6. What status tracking costs at the default poll interval (simulated day).
  const defaults = loadConfig({ env: {} }).poll;
  for (const count of [1, 20, 100]) {
    const cost = await measurePollingCost(count, defaults.intervalSeconds, defaults.onlineEvery);
    say(
      `status tracking, ${String(count).padStart(3)} plug(s)  ${cost.callsPerPlugHour.toFixed(2)} calls per plug-hour ` +
        `(${cost.callsPerHour.toFixed(1)}/h, ${Math.round(cost.callsPerHour * 24 * 30)} per 30 days; poll ${defaults.intervalSeconds} s)`,
    );
  }

  // 7. Memory with 1,000 plugs after the first full poll.
  const many = Array.from({ length: 1000 }, (_, i) => ({ id: `bf00mem${String(i).padStart(9, '0')}`, name: `plug ${i}` }));
  const bigCloud = await startSimulatedCloud({ accessId, accessKey, plugs: many.map((p) => ({ ...p, energy: true })) });
  const bigDaemon = await startDaemon(root, {
    TUYA_ACCESS_ID: accessId,
    TUYA_ACCESS_KEY: accessKey,
    TUYA_BASE_URL: bigCloud.url,
    PLUGS: JSON.stringify(many),
    POLL_INTERVAL_SECONDS: '3600',
  });
  await waitOnline(bigDaemon.brokerUrl);
  const expected = 1000 * 2 + 50; // specification and details per plug, 50 batches
  const deadline = Date.now() + 60_000;
  while (bigCloud.totalCalls() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1000));
  say(`daemon RSS, 1000 plugs      ${bigDaemon.rssMiB().toFixed(1)} MiB after the first poll (${bigCloud.totalCalls()} cloud calls)`);
  await bigDaemon.stop();
  await bigCloud.stop();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
