import type { ErrorCode } from '../../src/errors.js';
import { MqttProbe, startBridge } from '../helpers/bridge.js';
import type { TestBridge } from '../helpers/bridge.js';

// Each bad payload gets exactly one error reply with this code and one log
// line, and the next valid command still works.
const CASES: Array<[string, Buffer, ErrorCode]> = [
  ['single-quoted JSON', Buffer.from("{'action':'on'}"), 'invalid_json'],
  ['a trailing comma', Buffer.from('{"action":"on",}'), 'invalid_json'],
  ['truncated JSON', Buffer.from('{"action":'), 'invalid_json'],
  ['an empty array', Buffer.from('[]'), 'invalid_command'],
  ['null', Buffer.from('null'), 'invalid_command'],
  ['a number', Buffer.from('42'), 'invalid_command'],
  ['an empty JSON string', Buffer.from('""'), 'unknown_action'],
  ['an empty payload', Buffer.alloc(0), 'invalid_command'],
  ['a misspelt action', Buffer.from('{"action":"onn"}'), 'unknown_action'],
  ['an unknown plug', Buffer.from('{"action":"on","device":"no-such-plug"}'), 'unknown_device'],
  ['a 300 kB payload', Buffer.alloc(300_000, 0x61), 'payload_too_large'],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), 'invalid_utf8'],
  ['a non-string device', Buffer.from('{"action":"on","device":["a"]}'), 'invalid_command'],
  ['an object as id', Buffer.from('{"action":"on","id":{"a":1}}'), 'invalid_command'],
  ['binary noise', Buffer.from([0x00, 0x01, 0x02, 0x7f]), 'invalid_json'],
  ['a nested action', Buffer.from('{"action":{"on":true}}'), 'unknown_action'],
];

describe('bad input on tuya/command', () => {
  let bridge: TestBridge;
  let probe: MqttProbe;

  beforeAll(async () => {
    bridge = await startBridge({ captureLogs: true, logLevel: 'info' });
    probe = await MqttProbe.connect(bridge.mqttUrl);
  });

  afterAll(async () => {
    await probe.close();
    await bridge.stop();
  });

  it.each(CASES)('%s gets one error reply and one log line; the next command works', async (_name, payload, code) => {
    const before = probe.received.length;
    const logsBefore = bridge.logs.length;
    await probe.send(payload);
    const error = await probe.waitFor((m) => probe.received.indexOf(m) >= before && m.payload.includes('"error"'));
    expect(JSON.parse(error.payload)).toMatchObject({ status: 'error', stale: true, error: { code } });

    const next = await probe.command({ action: 'status', device: 'demo-plug' });
    expect(next).toMatchObject({ status: 'ok', device: 'demo-plug' });
    const errors = probe.received.slice(before).filter((m) => m.payload.includes('"error"'));
    expect(errors).toHaveLength(1);
    const warnings = bridge.logs.slice(logsBefore).filter((line) => line.includes(code));
    expect(warnings).toHaveLength(1);
  });

  it('echoes the id of a rejected command that had one', async () => {
    const reply = await probe.command({ action: 'explode' });
    expect(reply).toMatchObject({ status: 'error', error: { code: 'unknown_action' } });
  });
});
