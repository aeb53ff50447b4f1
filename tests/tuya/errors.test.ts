import { BridgeError } from '../../src/errors.js';
import {
  TUYA_ERROR_RULES,
  fromFetchError,
  fromTuyaError,
  isTokenInvalid,
  readEnvelope,
} from '../../src/tuya/cloud/errors.js';

describe('Tuya error codes', () => {
  it.each([
    [1003, 'cloud_auth'],
    [1004, 'cloud_auth'],
    [1010, 'cloud_auth'],
    [1011, 'cloud_auth'],
    [1012, 'cloud_auth'],
    [1013, 'cloud_auth'],
    [1105, 'cloud_auth'],
    [1106, 'cloud_auth'],
    [1107, 'cloud_auth'],
    [2007, 'cloud_auth'],
    [2001, 'device_offline'],
    [2003, 'device_error'],
    [2008, 'device_error'],
    [2009, 'device_error'],
    [2010, 'device_error'],
    [1104, 'device_error'],
    [1109, 'device_error'],
    [28841004, 'cloud_quota'],
    [28841002, 'cloud_quota'],
    [28841101, 'cloud_quota'],
    [28841105, 'cloud_quota'],
    [28841106, 'cloud_quota'],
    [1113, 'cloud_quota'],
    [1110, 'cloud_quota'],
    [1111, 'cloud_quota'],
    [1199, 'cloud_quota'],
    [500, 'cloud_error'],
    [1108, 'cloud_error'],
    [60009001, 'cloud_error'],
  ])('maps %i to %s, keeping the Tuya code and naming it in the message', (tuyaCode, code) => {
    const err = fromTuyaError({ code: tuyaCode, msg: 'from tuya' });
    expect(err).toBeInstanceOf(BridgeError);
    expect(err.code).toBe(code);
    expect(err.tuyaCode).toBe(tuyaCode);
    expect(err.message).toContain(String(tuyaCode));
  });

  it('has a rule for every code it claims to know, and none that falls back', () => {
    expect(TUYA_ERROR_RULES.size).toBe(26);
    for (const [tuyaCode, rule] of TUYA_ERROR_RULES) {
      expect(fromTuyaError({ code: tuyaCode }).message).toBe(rule.message);
    }
  });

  it('says what to fix for a bad signature', () => {
    expect(fromTuyaError({ code: 1004, msg: 'sign invalid' }).message).toBe(
      'Tuya cloud rejected the signature (1004): check TUYA_ACCESS_KEY and TUYA_REGION',
    );
  });

  it("keeps Tuya's text for an unknown code, cut short", () => {
    const err = fromTuyaError({ code: 500, msg: 'system error' });
    expect(err.message).toBe('Tuya cloud error 500: system error');
    expect(fromTuyaError({ code: 501, msg: 'x'.repeat(500) }).message.length).toBeLessThan(160);
  });

  it('reads a numeric string code and survives a missing one', () => {
    expect(fromTuyaError({ code: '2001' })).toMatchObject({ code: 'device_offline', tuyaCode: 2001 });
    expect(fromTuyaError({ msg: 'odd' })).toMatchObject({ code: 'cloud_error', tuyaCode: undefined });
  });

  it('recognises token-invalid answers only', () => {
    for (const code of [1010, 1011, 1012]) expect(isTokenInvalid(fromTuyaError({ code }))).toBe(true);
    expect(isTokenInvalid(fromTuyaError({ code: 1004 }))).toBe(false);
    expect(isTokenInvalid(new Error('1010'))).toBe(false);
  });
});

describe('network failures', () => {
  it('maps an AbortSignal timeout to timeout', () => {
    const err = fromFetchError(new DOMException('The operation timed out.', 'TimeoutError'), 2500);
    expect(err).toMatchObject({ code: 'timeout', tuyaCode: undefined });
    expect(err.message).toContain('2500 ms');
  });

  it('maps an abort to timeout', () => {
    expect(fromFetchError(new DOMException('aborted', 'AbortError'), 100).code).toBe('timeout');
  });

  it('maps a refused connection to cloud_unreachable, naming the cause', () => {
    const err = fromFetchError(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }), 100);
    expect(err.code).toBe('cloud_unreachable');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('passes a BridgeError through', () => {
    const original = new BridgeError('cloud_quota', 'x', 28841004);
    expect(fromFetchError(original, 100)).toBe(original);
  });
});

describe('answer envelopes', () => {
  it('returns the result of a success', () => {
    expect(readEnvelope(200, '{"success":true,"result":[1],"t":1,"tid":"a"}')).toEqual([1]);
  });

  it('throws the mapped error of a failure', () => {
    expect(() => readEnvelope(200, '{"success":false,"code":2001,"msg":"device is offline"}')).toThrow(
      expect.objectContaining({ code: 'device_offline', tuyaCode: 2001 }),
    );
  });

  it('treats a non-JSON answer as an unreachable cloud', () => {
    expect(() => readEnvelope(502, '<html>Bad gateway</html>')).toThrow(
      expect.objectContaining({
        code: 'cloud_unreachable',
        message: expect.stringContaining('HTTP 502'),
      }),
    );
  });

  it('treats JSON without a success flag as a cloud error', () => {
    const cloudError = expect.objectContaining({ code: 'cloud_error' });
    expect(() => readEnvelope(200, '{"result":true}')).toThrow(cloudError);
    expect(() => readEnvelope(200, '[]')).toThrow(cloudError);
  });
});
