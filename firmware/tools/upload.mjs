#!/usr/bin/env node
// npm run firmware:flash -- <port>                 upload firmware/tuya-button.js, then save()
// npm run firmware:provision -- <port> [config]    write firmware/config.json into Storage
// Both hand a generated text (see bundle.mjs) to the espruino CLI (npm package `espruino`).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFirmwareUpload, buildProvisionUpload, espruinoArgs } from './bundle.mjs';
import { checkEspruinoSource, formatFinding } from './espruino-gate.mjs';

const FIRMWARE_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
const USAGE = `usage: upload.mjs flash <port>
       upload.mjs provision <port> [config.json]   (default firmware/config.json)`;

async function main(argv) {
  const [command, port, configPath] = argv;
  if (!port || (command !== 'flash' && command !== 'provision')) {
    console.error(USAGE);
    return 2;
  }
  // A serial device path that is not there means no board: say so before the
  // espruino CLI wanders off to Bluetooth and network lookups.
  if (port.startsWith('/dev/') && !existsSync(port)) {
    console.error(`serial port ${port} not found: is the board plugged in? (ls /dev/ttyUSB* /dev/ttyACM*)`);
    return 1;
  }
  const text = command === 'flash' ? firmwareText() : provisionText(configPath);
  if (text === null) return 1;

  // The provisioning text carries the Wi-Fi and broker passwords: keep it private and short-lived.
  const dir = mkdtempSync(join(tmpdir(), 'tuya-button-'));
  const file = join(dir, `${command}.js`);
  try {
    writeFileSync(file, text, { mode: 0o600 });
    return await runEspruino(espruinoArgs(port, file, { reset: command === 'flash' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function firmwareText() {
  const path = join(FIRMWARE_DIR, 'tuya-button.js');
  const source = readFileSync(path, 'utf8');
  const findings = checkEspruinoSource(source, { file: relative(process.cwd(), path) });
  if (findings.length > 0) {
    for (const f of findings) console.error(formatFinding(f));
    console.error('refusing to flash: the firmware uses syntax Espruino lacks');
    return null;
  }
  return buildFirmwareUpload(source);
}

function provisionText(configPath) {
  const path = configPath ?? join(FIRMWARE_DIR, 'config.json');
  let configText;
  try {
    configText = readFileSync(path, 'utf8');
  } catch {
    console.error(`cannot read ${path}: copy firmware/config.example.json to firmware/config.json first`);
    return null;
  }
  try {
    return buildProvisionUpload(configText);
  } catch (err) {
    console.error(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

function runEspruino(args) {
  return new Promise((resolve) => {
    // `npm run` puts node_modules/.bin on PATH, where the espruino package installs its CLI.
    const child = spawn('espruino', args, { stdio: 'inherit' });
    child.on('error', (err) => {
      const missing = /** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT';
      console.error(missing ? 'espruino CLI not found: npm install --save-dev espruino@0.1.67' : err.message);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

process.exitCode = await main(process.argv.slice(2));
