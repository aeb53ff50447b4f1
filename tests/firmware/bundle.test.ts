// firmware/tools/bundle.mjs: the exact texts `npm run firmware:flash` and
// `npm run firmware:provision` hand to the espruino CLI, checked offline.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildFirmwareUpload, buildProvisionUpload, configProblems, espruinoArgs,
} from '../../firmware/tools/bundle.mjs';
import { FIRMWARE_PATH, startBoard, type Board } from './harness/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXAMPLE = readFileSync(join(ROOT, 'firmware', 'config.example.json'), 'utf8');

let board: Board | undefined;

afterEach(async () => {
  await board?.stop();
  board = undefined;
});

describe('firmware upload', () => {
  test('is the source with normalised line ends, then save()', () => {
    const upload = buildFirmwareUpload('var a = 1;\r\nfunction onInit() {}\r\n\r\n  ');
    expect(upload).toBe('var a = 1;\nfunction onInit() {}\n\nsave();\n');
  });

  test('carries the firmware file unchanged', () => {
    const source = readFileSync(FIRMWARE_PATH, 'utf8');
    const upload = buildFirmwareUpload(source);
    expect(upload.startsWith(source.trimEnd())).toBe(true);
    expect(upload.endsWith('\n\nsave();\n')).toBe(true);
  });

  test('runs the espruino CLI at 115200 baud for the ESP32 board', () => {
    expect(espruinoArgs('/dev/ttyUSB0', '/tmp/x/flash.js')).toEqual([
      '-p', '/dev/ttyUSB0', '-b', '115200', '--board', 'ESP32', '/tmp/x/flash.js',
    ]);
  });
});

describe('provisioning upload', () => {
  const CONFIG = JSON.stringify({
    device: 'desk-lamp', wifi: { ssid: 'Caf\u00e9', password: 'p4ss' }, mqtt: { host: '10.0.0.2' },
  });

  test('writes the config as base64 of its UTF-8 bytes into Storage, then restarts the firmware', () => {
    expect(buildProvisionUpload(CONFIG)).toBe(
      'require("Storage").write("tuya-button.json",atob("eyJkZXZpY2UiOiJkZXNrLWxhbXAiLCJ3aWZpIjp7InNzaWQiOiJDYWbDqSIsInBhc3N3b3JkIjoicDRzcyJ9LCJtcXR0Ijp7Imhvc3QiOiIxMC4wLjAuMiJ9fQ=="));\nload();\n',
    );
  });

  test('does not reset the board first', () => {
    expect(espruinoArgs('COM5', 'p.js', { reset: false })).toEqual([
      '-p', 'COM5', '-b', '115200', '--board', 'ESP32', '--config', 'RESET_BEFORE_SEND=false', 'p.js',
    ]);
  });

  test('run on a board, it leaves a config the firmware boots with, SSID bytes intact', async () => {
    board = await startBoard({ boot: false });
    board.evaluate(buildProvisionUpload(CONFIG));
    await board.waitFor(() => board!.wifi.attempts.length > 0, { what: 'a Wi-Fi connect after load()' });
    expect(board.evaluate('cfg.wifi.ssid')).toBe('Caf\u00c3\u00a9'); // the UTF-8 bytes, as 8-bit chars
    expect(board.evaluate('cfg.device')).toBe('desk-lamp');
    expect(board.errors).toEqual([]);
  });

  test('the example config passes the tool and the firmware', async () => {
    expect(configProblems(JSON.parse(EXAMPLE))).toEqual([]);
    board = await startBoard({ config: EXAMPLE, clock: 'fake' });
    await board.waitFor(() => board!.wifi.attempts.length > 0, { what: 'a Wi-Fi connect' });
    expect(board.console.filter((l) => l.includes('config'))).toEqual([]);
  });

  test('refuses text that is not JSON', () => {
    expect(() => buildProvisionUpload('{"device": ')).toThrow(SyntaxError);
  });

  test.each([
    ['not an object', [], 'the config must be a JSON object'],
    ['no device', { wifi: { ssid: 'a' }, mqtt: { host: 'h' } }, '"device" must name the plug'],
    ['no SSID', { device: 'd', mqtt: { host: 'h' } }, '"wifi.ssid" is missing'],
    ['no broker host', { device: 'd', wifi: { ssid: 'a' } }, '"mqtt.host" is missing'],
    ['bad mode', { device: 'd', wifi: { ssid: 'a' }, mode: 'ble' }, '"mode" must be "mqtt" or "http"'],
    ['http mode without URL', { device: 'd', wifi: { ssid: 'a' }, mode: 'http' }, '"http.url" must look like'],
  ])('refuses a config with %s, as the firmware does', async (_name, config, problem) => {
    expect(configProblems(config).join('; ')).toContain(problem);
    expect(() => buildProvisionUpload(JSON.stringify(config))).toThrow(problem);
    board = await startBoard({ config, clock: 'fake' });
    expect(board.console.some((l) => /^tuya-button: config (invalid|broken)/.test(l))).toBe(true);
  });
});
