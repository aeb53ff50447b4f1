import { parseCommand } from '../../src/commands/parse.js';
import type { ErrorCode } from '../../src/errors.js';

const options = { maxPayloadBytes: 4096 };

describe('parseCommand accepts', () => {
  it.each([
    ['{"action":"toggle","device":"demo-plug","id":"42"}', { action: 'toggle', device: 'demo-plug', id: '42' }],
    ['{"action":"ON"}', { action: 'on' }],
    ['{"action":" off "}', { action: 'off' }],
    ['{"action":"status","device":"bf1234"}', { action: 'status', device: 'bf1234' }],
    ['{"action":"on","id":7}', { action: 'on', id: 7 }],
    ['{"action":"on","id":"' + '\u{1F600}'.repeat(100) + '"}', { action: 'on', id: '\u{1F600}'.repeat(100) }],
    ['{"action":"on","state":"ON"}', { action: 'on' }],
    ['{"action":"on","device":""}', { action: 'on' }],
    ['{"state":"OFF"}', { action: 'off' }],
    ['{"state":true}', { action: 'on' }],
    ['{"action":"on","extra":[1,2]}', { action: 'on' }],
    ['on', { action: 'on' }],
    ['OFF', { action: 'off' }],
    ['Toggle', { action: 'toggle' }],
    ['status', { action: 'status' }],
    ['true', { action: 'on' }],
    ['FALSE', { action: 'off' }],
    ['1', { action: 'on' }],
    ['0', { action: 'off' }],
    ['"on"', { action: 'on' }],
    ['  on \t\r\n', { action: 'on' }],
    ['on\n', { action: 'on' }],
    ['on\0\0', { action: 'on' }],
    ['{"action":"on"}\r\n\0', { action: 'on' }],
  ])('%j', (payload, command) => {
    expect(parseCommand(Buffer.from(payload), options)).toEqual({ ok: true, command });
  });

  it('takes the device from the topic when the payload names none', () => {
    expect(parseCommand('ON', { ...options, device: 'lamp' })).toEqual({
      ok: true,
      command: { action: 'on', device: 'lamp' },
    });
  });
});

describe('parseCommand rejects', () => {
  const cases: Array<[string, Buffer, ErrorCode, RegExp]> = [
    ['single quotes', Buffer.from("{'action':'on'}"), 'invalid_json', /not valid JSON/],
    ['a trailing comma', Buffer.from('{"action":"on",}'), 'invalid_json', /not valid JSON/],
    ['a truncated object', Buffer.from('{"action":'), 'invalid_json', /not valid JSON/],
    ['an array', Buffer.from('[]'), 'invalid_command', /an array/],
    ['null', Buffer.from('null'), 'invalid_command', /null/],
    ['a number', Buffer.from('42'), 'invalid_command', /a number/],
    ['an empty JSON string', Buffer.from('""'), 'unknown_action', /unknown action ""/],
    ['an empty payload', Buffer.alloc(0), 'invalid_command', /empty/],
    ['only whitespace and NUL', Buffer.from(' \r\n\0'), 'invalid_command', /empty/],
    ['a misspelt action', Buffer.from('{"action":"onn"}'), 'unknown_action', /"onn"/],
    ['a misspelt bare word', Buffer.from('onn'), 'unknown_action', /"onn"/],
    ['a numeric action', Buffer.from('{"action":3}'), 'unknown_action', /"3"/],
    ['a missing action', Buffer.from('{"device":"x"}'), 'invalid_command', /missing "action"/],
    ['a non-string device', Buffer.from('{"action":"on","device":5}'), 'invalid_command', /"device"/],
    ['an object id', Buffer.from('{"action":"on","id":{}}'), 'invalid_command', /"id"/],
    ['a 300 kB payload', Buffer.alloc(300_000, 'a'), 'payload_too_large', /300000 bytes/],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'invalid_utf8', /UTF-8/],
    ['a lone continuation byte', Buffer.from([0x6f, 0x6e, 0x80]), 'invalid_utf8', /UTF-8/],
    ['garbage text', Buffer.from('switch it on please'), 'invalid_json', /not valid JSON/],
    ['action and state disagreeing', Buffer.from('{"state":"off","action":"on"}'), 'invalid_command', /disagree/],
    ['a 4000-character device', Buffer.from(`{"action":"on","device":"${'x'.repeat(4000)}"}`), 'invalid_command', /longer than 256 characters/],
    ['a 129-character id', Buffer.from(`{"action":"on","id":"${'i'.repeat(129)}"}`), 'invalid_command', /"id"/],
  ];

  it.each(cases)('%s', (_name, payload, code, message) => {
    const result = parseCommand(payload, options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.message).toMatch(message);
  });

  it('quotes sender text short and escaped, so a payload cannot flood or forge log lines', () => {
    const result = parseCommand(JSON.stringify({ action: `x\n${'y'.repeat(10_000)}` }), options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message.length).toBeLessThan(120);
    expect(result.error.message).not.toContain('\n');
  });

  it('names the plug of a /set topic in a failure, so the reply carries it', () => {
    expect(parseCommand('explode', { ...options, device: 'lamp' })).toMatchObject({ ok: false, device: 'lamp' });
    expect(parseCommand('{"action":"explode"}', { ...options, device: 'lamp' })).toMatchObject({ ok: false, device: 'lamp' });
  });

  it('keeps the correlation id and device of a rejected object so the reply can echo them', () => {
    const result = parseCommand('{"action":"onn","device":"lamp","id":"abc"}', options);
    expect(result).toMatchObject({ ok: false, id: 'abc', device: 'lamp' });
  });
});
