import { TUYA_REGIONS, isTuyaRegion, regionBaseUrl } from '../../src/tuya/cloud/regions.js';

describe('Tuya regions', () => {
  it.each([
    ['cn', 'https://openapi.tuyacn.com'],
    ['us', 'https://openapi.tuyaus.com'],
    ['us-e', 'https://openapi-ueaz.tuyaus.com'],
    ['eu', 'https://openapi.tuyaeu.com'],
    ['eu-w', 'https://openapi-weaz.tuyaeu.com'],
    ['in', 'https://openapi.tuyain.com'],
    ['sg', 'https://openapi-sg.iotbing.com'],
  ])('maps %s to %s', (region, host) => {
    expect(regionBaseUrl(region)).toBe(host);
  });

  it('lists exactly the documented codes', () => {
    expect([...TUYA_REGIONS]).toEqual(['cn', 'us', 'us-e', 'eu', 'eu-w', 'in', 'sg']);
  });

  const UNKNOWN = ['', 'EU', 'uk', 'az', 'ue', 'we', 'eu '];

  it.each(UNKNOWN)('rejects %j instead of falling back to China', (region) => {
    expect(isTuyaRegion(region)).toBe(false);
    expect(() => regionBaseUrl(region)).toThrow(/Unknown Tuya region .*use one of cn, us, us-e, eu/);
  });
});
