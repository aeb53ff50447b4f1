// The same button and LED over the bridge's HTTP API instead of MQTT.

import {
  LED, startBoard, startFakeHttpBridge, testConfig, waitForPattern, withTeardown,
  type Board, type FakeHttpBridge,
} from './harness/index.js';

/** An HTTP bridge with demo-plug on, and a board in http mode polling it every pollMs. */
function withHttpBoard(
  pollMs: number,
  body: (board: Board, bridge: FakeHttpBridge) => Promise<void>,
): Promise<void> {
  return withTeardown(async (defer) => {
    const bridge = await startFakeHttpBridge({ plugs: { 'demo-plug': { on: true } } });
    defer(() => bridge.close());
    const config = testConfig({ mode: 'http', http: { url: bridge.url }, timing: { httpPollMs: pollMs } });
    const board = await startBoard({ config });
    defer(() => board.stop());
    await body(board, bridge);
    expect(board.errors).toEqual([]);
  });
}

test.concurrent('polls GET /api/status for its plug and mirrors the state', () =>
  withHttpBoard(300, async (board, bridge) => {
    await waitForPattern(board, LED.on);
    expect(bridge.requests[0]).toEqual({ method: 'GET', path: '/api/status?device=demo-plug', body: '' });
    await board.waitFor(() => bridge.requests.length >= 3, { what: 'more polls' });
    bridge.book.get('demo-plug').on = false; // changed elsewhere: the next poll sees it
    await waitForPattern(board, LED.off);
  }));

test.concurrent('a press POSTs a toggle to /api/control and the LED follows the answer', () =>
  withHttpBoard(5000, async (board, bridge) => {
    await waitForPattern(board, LED.on);
    await board.button.press();
    await board.waitFor(() => bridge.requests.some((r) => r.method === 'POST'), { what: 'the POST' });
    const post = bridge.requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/api/control');
    const command = JSON.parse(post?.body ?? '') as unknown;
    expect(command).toEqual({ action: 'toggle', device: 'demo-plug', id: expect.any(String) });
    await waitForPattern(board, LED.off);
    expect(bridge.book.get('demo-plug').on).toBe(false);
  }));

test.concurrent('an error answer shows the fault pattern', () =>
  withHttpBoard(5000, async (board, bridge) => {
    await waitForPattern(board, LED.on);
    bridge.book.get('demo-plug').online = false;
    await board.button.press();
    await waitForPattern(board, LED.fault);
    expect(board.console).toContain('tuya-button: command failed: device_offline');
  }));

test.concurrent('a hung bridge: the press times out into the fault pattern', () =>
  withHttpBoard(5000, async (board, bridge) => {
    await waitForPattern(board, LED.on);
    bridge.behaviour = { silent: true };
    await board.button.press();
    await waitForPattern(board, LED.fault, { timeoutMs: 4000 });
  }));

test.concurrent('an unreachable bridge shows the link pattern, and polling brings it back', () =>
  withHttpBoard(300, async (board, bridge) => {
    await waitForPattern(board, LED.on);
    await bridge.stop();
    await waitForPattern(board, LED.link);
    await bridge.start();
    await waitForPattern(board, LED.on, { timeoutMs: 3000 });
  }));
