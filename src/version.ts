import { existsSync, readFileSync } from 'node:fs';

// The package version, read from package.json: one level up from src/ when run
// from source (tests), two from dist/src/ when built.
function readVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    const url = new URL(relative, import.meta.url);
    if (!existsSync(url)) continue;
    const manifest = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === 'tuya-mqtt-bridge' && manifest.version) return manifest.version;
  }
  return '0.0.0';
}

export const VERSION = readVersion();
