import {
  EMPTY_BODY_SHA256,
  computeSign,
  sha256Hex,
  signedUrl,
  signsEqual,
  stringToSign,
} from '../../src/tuya/cloud/sign.js';

// Tuya's worked example (facts sheet §1.5), reproduced by several public test suites.
const DOC = {
  clientId: '1KAD46OrT9HafiKdsXeg',
  secret: '4OHBOnWOqaEC1mWXOpVL3yV50s0qGSRC',
  t: '1588925778000',
  nonce: '5138cc3a9033d69856923fd07b491173',
  accessToken: '3f4eda2bdec17232f67c0b188af3eec1',
};
const AREA_CALL: ReadonlyArray<readonly [string, string]> = [
  ['area_id', '29a33e8796834b1efa6'],
  ['call_id', '8afdb70ab2ed11eb85290242ac130003'],
];
const COMMAND_BODY = '{"commands":[{"code":"switch_1","value":true}]}';

describe('Tuya request signing', () => {
  it('reproduces the official token example (nonce, signed headers)', () => {
    const sign = computeSign({
      clientId: DOC.clientId,
      secret: DOC.secret,
      t: DOC.t,
      nonce: DOC.nonce,
      method: 'GET',
      target: '/v1.0/token?grant_type=1',
      signedHeaders: AREA_CALL,
    });
    expect(sign).toBe('9E48A3E93B302EEECC803C7241985D0A34EB944F40FB573C7B5C2A82158AF13E');
  });

  it('reproduces the official business example (access token, nonce, signed headers)', () => {
    const sign = computeSign({
      ...DOC,
      method: 'GET',
      target: '/v2.0/apps/schema/users?page_no=1&page_size=50',
      signedHeaders: AREA_CALL,
    });
    expect(sign).toBe('AE4481C692AA80B25F3A7E12C3A5FD9BBF6251539DD78E565A1A72A508A88784');
  });

  it('signs a token request without signed headers', () => {
    const input = { method: 'GET', target: '/v1.0/token?grant_type=1' };
    expect(stringToSign(input)).toBe(`GET\n${EMPTY_BODY_SHA256}\n\n/v1.0/token?grant_type=1`);
    const { clientId, secret, t, nonce } = DOC;
    const sign = computeSign({ clientId, secret, t, nonce, ...input });
    expect(sign).toBe('3206F74CBFC2869794FD3013C44F18166BE22AB1FB5FF66F513212264F67F681');
  });

  it.each([
    ['with a nonce', DOC.nonce, '296223DDFDA6BED60AC25301F818F4A05A072C4333D932F64ADF6AC2500B2B49'],
    ['without a nonce', undefined, '9B2792553B07C4824B74DF2A6A89AD1030786953B17D5377594B72BD58E40C2A'],
  ])('signs a POST of switch commands %s', (_label, nonce, expected) => {
    const sign = computeSign({
      clientId: DOC.clientId,
      secret: DOC.secret,
      t: DOC.t,
      accessToken: DOC.accessToken,
      nonce,
      method: 'POST',
      target: '/v1.0/iot-03/devices/DEVICEID/commands',
      body: COMMAND_BODY,
    });
    expect(sign).toBe(expected);
  });

  it('hashes an empty body to the documented constant, and bytes like the same text', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(Buffer.alloc(0))).toBe(EMPTY_BODY_SHA256);
    const commandHash = '00c2368c059275b6f529e038fc079d641a933173858053bf72070d768d072f0e';
    expect(sha256Hex(COMMAND_BODY)).toBe(commandHash);
    expect(sha256Hex(Buffer.from(COMMAND_BODY))).toBe(sha256Hex(COMMAND_BODY));
  });

  it('upper-cases the method', () => {
    expect(stringToSign({ method: 'post', target: '/a' })).toMatch(/^POST\n/);
  });

  it.each([
    ['/v1.0/token?grant_type=1', '/v1.0/token?grant_type=1'],
    ['/v1.0/x?page_size=50&page_no=1', '/v1.0/x?page_no=1&page_size=50'],
    ['/v1.0/x?b=2&a=1&c=3', '/v1.0/x?a=1&b=2&c=3'],
    ['/v1.0/iot-03/devices/status?device_ids=a%2Cb,c', '/v1.0/iot-03/devices/status?device_ids=a,b,c'],
    ['/v1.0/x?name=a%20b&flag', '/v1.0/x?flag=&name=a b'],
    ['/v1.0/iot-03/devices/dev%20one/status', '/v1.0/iot-03/devices/dev one/status'],
    ['/v1.0/x?', '/v1.0/x'],
    ['/v1.0/x/%E0%A4%A', '/v1.0/x/%E0%A4%A'],
  ])('signs %s as %s (sorted, not URL-encoded)', (target, expected) => {
    expect(signedUrl(target)).toBe(expected);
  });

  it('keeps repeated query keys in their order', () => {
    expect(signedUrl('/x?b=1&a=2&b=0')).toBe('/x?a=2&b=1&b=0');
  });

  it('compares signs exactly', () => {
    expect(signsEqual('ABC', 'ABC')).toBe(true);
    expect(signsEqual('ABC', 'abc')).toBe(false);
    expect(signsEqual('ABC', 'ABCD')).toBe(false);
  });
});
