import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

// Debian's Chromium; .ci/run installs it. Playwright's own browser download cannot run here.
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export function haveChromium(): boolean {
  return existsSync(CHROMIUM);
}

/** Page tests skip on a machine without Chromium, but fail under CI, where it is installed. */
export function describeWithBrowser(name: string, body: () => void): void {
  if (haveChromium()) describe(name, body);
  else if (process.env['CI']) {
    describe(name, () => it('needs Chromium, which .ci/run installs', () => expect(haveChromium()).toBe(true)));
  } else describe.skip(`${name} (Chromium not installed)`, body);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Flags from this workplace's notes: without the network ones Chromium tries to reach Google.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
