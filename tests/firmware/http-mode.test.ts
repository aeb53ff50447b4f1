// The same button and LED over the bridge's HTTP API instead of MQTT.

import {
  LED, startBoard, startFakeHttpBridge, testConfig, waitForPattern, type Board, type FakeHttpBridge,
} from './harness/index.js';

let bridge: FakeHttpBridge;
let board: Board | undefined;

async function boot(pollMs = 300): Promise<Board> {
  board = await startBoard({
    config: testConfig({ mode: 'http', http: { url: bridge.url }, timing: { httpPollMs: pollMs } }),
  });
  return board;
}

beforeEach(async () => {
  bridge = await startFakeHttpBridge({ plugs: { 'demo-plug': { on: true } } });
});

afterEach(async () => {
  if (board) expect(board.errors).toEqual([]);
  await board?.stop();
  board = undefined;
  await bridge.close();
});

test('polls GET /api/status for its plug and mirrors the state', async () => {
  const b = await boot();
  await waitForPattern(b, LED.on);
  expect(bridge.requests[0]).toEqual({ method: 'GET', path: '/api/status?device=demo-plug', body: '' });
  await b.waitFor(() => bridge.requests.length >= 3, { what: 'more polls' });
  bridge.book.get('demo-plug').on = false; // changed elsewhere: the next poll sees it
  await waitForPattern(b, LED.off);
});

test('a press POSTs a toggle to /api/control and the LED follows the answer', async () => {
  const b = await boot(5000);
  await waitForPattern(b, LED.on);
  await b.button.press();
  await b.waitFor(() => bridge.requests.some((r) => r.method === 'POST'), { what: 'the POST' });
  const post = bridge.requests.find((r) => r.method === 'POST');
  expect(post?.path).toBe('/api/control');
  expect(JSON.parse(post?.body ?? '')).toEqual({ action: 'toggle', device: 'demo-plug', id: expect.any(String) });
  await waitForPattern(b, LED.off);
  expect(bridge.book.get('demo-plug').on).toBe(false);
});

test('an error answer shows the fault pattern', async () => {
  const b = await boot(5000);
  await waitForPattern(b, LED.on);
  bridge.book.get('demo-plug').online = false;
  await b.button.press();
  await waitForPattern(b, LED.fault);
});

test('an unreachable bridge shows the link pattern, and polling brings it back', async () => {
  const b = await boot();
  await waitForPattern(b, LED.on);
  await bridge.stop();
  await waitForPattern(b, LED.link);
  await bridge.start();
  await waitForPattern(b, LED.on, { timeoutMs: 3000 });
});
