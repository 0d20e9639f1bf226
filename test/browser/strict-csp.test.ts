import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserRig, subscribeThroughPrompt, type BrowserRig } from '../support/browser.ts';

/**
 * Sites with a strict Content-Security-Policy (no inline script or style) and with Trusted
 * Types enforced: the prompt renders styled, nothing is reported as a violation, and a visitor
 * can subscribe.
 */
describe('the prompt under a strict Content-Security-Policy in Chromium', () => {
  let rig: BrowserRig;

  beforeAll(async () => {
    rig = await startBrowserRig();
  });
  afterEach(() => rig.closeContexts());
  afterAll(() => rig?.stop());

  for (const csp of ['strict', 'trusted-types'] as const) {
    it(`renders the styled prompt and subscribes with ${csp === 'strict' ? "style-src 'self'" : 'Trusted Types required'}`, async () => {
      const shop = await rig.createSite({
        categories: [{ id: 'deals', label: 'Deals' }],
        prompt: { title: 'Deals first' },
      });
      const { page } = await rig.open(shop, {
        csp,
        // Collects every violation the page reports, from before the snippet loads.
        beforeLoad: async (p) => {
          await p.addInitScript(() => {
            const seen: string[] = [];
            (window as unknown as { cspViolations: string[] }).cspViolations = seen;
            document.addEventListener('securitypolicyviolation', (e) =>
              seen.push(`${e.violatedDirective} ${e.blockedURI}`),
            );
          });
        },
      });
      const subscriberId = await subscribeThroughPrompt(page, ['Deals']);
      expect(subscriberId).toMatch(/\S/);

      await page.evaluate(() =>
        (window as unknown as { beckon: (c: string) => void }).beckon('prompt'),
      );
      const dialog = page.getByRole('dialog', { name: 'Deals first' });
      await dialog.waitFor({ timeout: 5_000 });
      // Styled by the shadow root's own sheet, not a bare block in the page flow.
      const look = await dialog.evaluate((el) => {
        const s = getComputedStyle(el);
        return { position: s.position, radius: s.borderTopLeftRadius };
      });
      expect(look).toEqual({ position: 'fixed', radius: '12px' });
      expect(
        await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations),
      ).toEqual([]);
    });
  }
});
