import type { Browser } from 'playwright-core';
import { describeWithChromium, launchChromium } from './support/chromium';
import { useTestApp } from './support/test-app';

/**
 * Swagger UI in a real browser (Debian's Chromium, driven by playwright-core;
 * no browser is downloaded): the page loads under its CSP, renders the
 * routes from /docs-json, and the browser reports no CSP violation.
 */

jest.setTimeout(60_000);

describeWithChromium('Swagger UI in Chromium', () => {
  const live = useTestApp();
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('loads /docs over HTTPS, renders the routes and their schemes, with no CSP violation', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content.Security.Policy/i.test(message.text()))
        problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
    });
    // Init scripts run outside the page's CSP, so this listener sees every violation, reported or not.
    // (Browser code as strings: this project compiles without the DOM types.)
    await page.addInitScript(`
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        window.cspViolations.push(event.effectiveDirective + ' blocked ' + (event.blockedURI || 'inline')));
    `);

    const origin = `https://localhost:${live.t.port}`;
    const response = await page.goto(`${origin}/docs`);
    expect(response?.status()).toBe(200);
    expect(await response?.headerValue('content-security-policy')).toContain("script-src 'self'");

    for (const path of ['/auth/login', '/auth/2fa/verify', '/auth/me', '/health']) {
      await page.locator(`.opblock-summary-path[data-path="${path}"]`).first().waitFor({ state: 'visible' });
    }
    await expect(
      page.locator('.opblock-summary-path', { hasText: '/auth/2fa/verify' }).first().isVisible(),
    ).resolves.toBe(true);

    // The Authorize dialog offers the two bearer schemes separately.
    await page
      .getByRole('button', { name: /authorize/i })
      .first()
      .click();
    const dialog = page.locator('.modal-ux');
    await dialog.waitFor({ state: 'visible' });
    await expect(dialog.textContent()).resolves.toMatch(/access-token[\s\S]*pre-auth|pre-auth[\s\S]*access-token/);

    const violations = await page.evaluate<string[]>('window.cspViolations');
    expect(violations).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
