import type { Browser } from 'playwright-core';
import { startBridge } from '../helpers/bridge.js';
import type { TestBridge } from '../helpers/bridge.js';
import { describeWithBrowser, launchBrowser } from '../helpers/browser.js';

const DEMO_ID = 'bf0demo0plug0sim0001';

describeWithBrowser('the web page in a real browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser.close();
  });

  async function withBridge(env: Record<string, string>, body: (bridge: TestBridge) => Promise<void>): Promise<void> {
    const bridge = await startBridge({ env: { POLL_INTERVAL_SECONDS: '3600', ...env } });
    try {
      await bridge.app.poller.pollNow();
      await body(bridge);
    } finally {
      await bridge.stop();
    }
  }

  it('shows the plug with its readings and switches it with the buttons', () =>
    withBridge({}, async (bridge) => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${bridge.httpUrl}/`);
      const card = page.locator('section.plug[data-device="demo-plug"]');
      await card.waitFor();
      await expectText(card.locator('.state'), 'OFF');
      await expectText(card.locator('.readings'), /V/);

      await card.locator('button[data-action="on"]').click();
      await expectText(card.locator('.state'), 'ON');
      expect(bridge.app.simulator?.isOn(DEMO_ID)).toBe(true);

      await card.locator('button[data-action="toggle"]').click();
      await expectText(card.locator('.state'), 'OFF');
      expect(bridge.app.simulator?.isOn(DEMO_ID)).toBe(false);

      await page.screenshot({ path: `${process.env['PAGE_SCREENSHOT_DIR'] ?? '/tmp'}/bridge-page.png` });
      expect(errors).toEqual([]);
      await page.close();
    }));

  it('asks for the token when the API needs one, and works once it is given', () =>
    withBridge({ HTTP_TOKEN: 'page-token-0123456789' }, async (bridge) => {
      const page = await browser.newPage();
      await page.goto(`${bridge.httpUrl}/`);
      await page.locator('#token').waitFor({ state: 'visible' });
      await expectText(page.locator('#message'), /needs its API token/);
      await page.fill('#token-input', 'page-token-0123456789');
      await page.click('#token button');
      const card = page.locator('section.plug[data-device="demo-plug"]');
      await card.waitFor();
      await card.locator('button[data-action="on"]').click();
      await expectText(card.locator('.state'), 'ON');
      await page.close();
    }));

  it('shows a failed command instead of pretending', () =>
    withBridge({ TUYA_RETRIES: '0' }, async (bridge) => {
      bridge.app.simulator?.setOnline(DEMO_ID, false);
      const page = await browser.newPage();
      await page.goto(`${bridge.httpUrl}/`);
      const card = page.locator('section.plug[data-device="demo-plug"]');
      await card.waitFor();
      await card.locator('button[data-action="on"]').click();
      await expectText(page.locator('#message'), /demo-plug: .*offline/i);
      await expectText(card.locator('.state'), /offline/);
      await page.close();
    }));
});

async function expectText(locator: import('playwright-core').Locator, expected: string | RegExp): Promise<void> {
  const deadline = Date.now() + 5000;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.textContent()) ?? '';
    if (typeof expected === 'string' ? last.includes(expected) : expected.test(last)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`expected ${String(expected)}, page shows ${JSON.stringify(last)}`);
}
