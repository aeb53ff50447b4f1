/**
 * Tuya data centers and their OpenAPI hosts. The region must be the one where
 * the app account's devices appear; a wrong one answers 2007 or shows no devices.
 */

export const TUYA_REGIONS = ['cn', 'us', 'us-e', 'eu', 'eu-w', 'in', 'sg'] as const;

export type TuyaRegion = (typeof TUYA_REGIONS)[number];

export const TUYA_REGION_HOSTS: Readonly<Record<TuyaRegion, string>> = {
  cn: 'https://openapi.tuyacn.com', // China
  us: 'https://openapi.tuyaus.com', // Western America
  'us-e': 'https://openapi-ueaz.tuyaus.com', // Eastern America
  eu: 'https://openapi.tuyaeu.com', // Central Europe (also most UK accounts)
  'eu-w': 'https://openapi-weaz.tuyaeu.com', // Western Europe
  in: 'https://openapi.tuyain.com', // India
  sg: 'https://openapi-sg.iotbing.com', // Singapore: not a tuya* host, on purpose
};

export function isTuyaRegion(value: string): value is TuyaRegion {
  return (TUYA_REGIONS as readonly string[]).includes(value);
}

/**
 * The base URL for a region code. Unknown codes throw instead of falling back
 * to China the way some libraries do: a silent fallback only shows up later as
 * a confusing 2007 or an empty device list.
 */
export function regionBaseUrl(region: string): string {
  if (!isTuyaRegion(region)) {
    throw new Error(`Unknown Tuya region "${region}": use one of ${TUYA_REGIONS.join(', ')}`);
  }
  return TUYA_REGION_HOSTS[region];
}
