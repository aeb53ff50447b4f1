// Builds exactly what the espruino CLI uploads for `npm run firmware:flash` and
// `npm run firmware:provision`. Pure functions: no I/O, so tests pin the text offline.

/** The Storage file the firmware reads its settings from (names are at most 28 characters). */
export const CONFIG_FILE = 'tuya-button.json';
/** The ESP32 console runs at 115200 baud; the CLI would otherwise use 9600. */
export const BAUD = 115200;
/** Board name for the CLI, so it knows Wifi, http and Storage are built in. */
export const BOARD = 'ESP32';

/**
 * Firmware upload: the source, then save(). save() snapshots RAM to flash and soft-restarts,
 * which runs onInit(); every later boot restores the snapshot and runs onInit() again.
 * @param {string} source
 */
export function buildFirmwareUpload(source) {
  const body = source.replace(/\r\n?/g, '\n').replace(/\s+$/, '');
  return `${body}\n\nsave();\n`;
}

/**
 * Provisioning upload: writes the config into Storage, then load() restarts the saved firmware
 * so it reads the new file. The JSON travels as base64 of its UTF-8 bytes: Espruino strings are
 * 8-bit, and atob() hands the firmware the same bytes a non-ASCII SSID has on the air.
 * @param {string} configText the contents of firmware/config.json
 */
export function buildProvisionUpload(configText) {
  const config = JSON.parse(configText);
  const problems = configProblems(config);
  if (problems.length > 0) throw new Error(`config is not usable: ${problems.join('; ')}`);
  const base64 = Buffer.from(JSON.stringify(config), 'utf8').toString('base64');
  const write = `require("Storage").write(${JSON.stringify(CONFIG_FILE)},atob(${JSON.stringify(base64)}));`;
  return `${write}\nload();\n`;
}

/**
 * The checks worth making before touching the board. The firmware checks every key again and
 * blinks its config pattern for anything this misses.
 * @param {unknown} config
 * @returns {string[]}
 */
export function configProblems(config) {
  if (!isObject(config)) return ['the config must be a JSON object'];
  const problems = [];
  const nonEmpty = (v) => typeof v === 'string' && v.length > 0;
  const mode = config.mode ?? 'mqtt';
  if (!nonEmpty(config.device)) problems.push('"device" must name the plug');
  if (!isObject(config.wifi) || !nonEmpty(config.wifi.ssid)) problems.push('"wifi.ssid" is missing');
  if (mode !== 'mqtt' && mode !== 'http') problems.push('"mode" must be "mqtt" or "http"');
  if (mode === 'mqtt' && !(isObject(config.mqtt) && nonEmpty(config.mqtt.host))) {
    problems.push('"mqtt.host" is missing');
  }
  if (mode === 'http' && !(isObject(config.http) && /^http:\/\/[^/]+/.test(String(config.http.url)))) {
    problems.push('"http.url" must look like http://host:port');
  }
  if (Buffer.byteLength(JSON.stringify(config), 'utf8') > 4096) problems.push('the config is over 4 KiB');
  return problems;
}

/**
 * Arguments for the espruino CLI. Provisioning must not reset first: reset() would drop the
 * running firmware from RAM before load() brings the saved one back.
 * @param {string} port serial device, e.g. /dev/ttyUSB0
 * @param {string} file the upload text written to a file
 * @param {{ reset?: boolean }} [options]
 */
export function espruinoArgs(port, file, options = {}) {
  const args = ['-p', port, '-b', String(BAUD), '--board', BOARD];
  if (options.reset === false) args.push('--config', 'RESET_BEFORE_SEND=false');
  args.push(file);
  return args;
}

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
