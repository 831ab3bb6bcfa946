import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from './support/chromium';
import { recoveryLogin, STRONG_PASSWORD, uniqueUsername } from './support/flows';
import { HttpsClient } from './support/https-client';
import { bootTestApp, type RunningTestApp } from './support/test-app';
import { currentStep, totpAt } from './support/totp';
import { buildWebClient } from './support/web-client-build';

/**
 * The reference client at /app/ in a real browser (Debian's Chromium through
 * playwright-core), against the real API over HTTPS on https://localhost
 * (the RP ID): every step is what a person does, by label and role; TOTP
 * codes come from the secret the page shows as text, passkeys from a CDP
 * virtual authenticator (CTAP2, platform, resident keys, user verification).
 * The page must raise no CSP violation and no script error throughout.
 * Screenshots of the main screens go to test-output/web-client/.
 */
const SHOTS = resolve(__dirname, '..', 'test-output', 'web-client');

jest.setTimeout(120_000);

beforeAll(() => {
  buildWebClient();
  mkdirSync(SHOTS, { recursive: true });
});

interface Session {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  problems: string[];
}

/** A port free right now: the app's origin must be known before it boots (WEBAUTHN_ORIGINS defaults to it). */
function freePort(): Promise<number> {
  const probe = createServer();
  return new Promise((resolve) =>
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    }),
  );
}

describeWithChromium('reference web client in Chromium', () => {
  let live: RunningTestApp;
  let browser: Browser;

  beforeAll(async () => {
    // The default configuration: RP ID localhost, origin https://localhost:PORT, as a developer runs it.
    live = await bootTestApp({ PORT: String(await freePort()) });
    expect(live.t.config.webauthn).toEqual(
      expect.objectContaining({ rpId: 'localhost', origins: [`https://localhost:${live.t.port}`] }),
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    // The browser first: it keeps connections to the app open.
    await browser?.close();
    await live?.close();
  });

  const origin = () => `https://localhost:${live.t.port}`;

  /** A fresh browser profile on /app/, watching for CSP violations, script errors and failed requests. */
  async function open(): Promise<Session> {
    const context = await browser.newContext({ viewport: { width: 720, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
    // Init scripts run outside the page's CSP, so this listener sees every violation.
    // (Browser code as a string: the tests compile without the DOM types.)
    await page.addInitScript(`
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        window.cspViolations.push(event.effectiveDirective + ' blocked ' + (event.blockedURI || 'inline')));
    `);
    const cdp = await context.newCDPSession(page);
    const response = await page.goto(`${origin()}/app/`);
    expect(response?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    return { context, page, cdp, problems };
  }

  /** Every input and button of every screen, the generated passkey rows included, has an accessible name. */
  async function expectEverythingLabelled(page: Page): Promise<void> {
    const unnamed = await page.evaluate<string[]>(`
      [...document.querySelectorAll('input, button')]
        .filter((el) => el.tagName === 'BUTTON' ? !(el.getAttribute('aria-label') || el.textContent.trim()) : el.labels.length === 0)
        .map((el) => el.outerHTML)
    `);
    expect(unnamed).toEqual([]);
  }

  async function close(session: Session): Promise<void> {
    expect(await session.page.evaluate<string[]>('window.cspViolations')).toEqual([]);
    expect(session.problems).toEqual([]);
    await session.context.close();
  }

  async function addVirtualAuthenticator(cdp: CDPSession): Promise<string> {
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    });
    return authenticatorId;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const alert = (page: Page) => page.getByRole('alert');

  /** The outcome of the last action: the status line says `text`, and the alert says nothing (or why not). */
  async function expectStatus(page: Page, text: string): Promise<void> {
    await page.locator('#status, #error').filter({ hasText: /\S/ }).first().waitFor();
    const outcome = { alert: await alert(page).textContent(), status: await page.getByRole('status').textContent() };
    expect(outcome).toEqual({ alert: '', status: text });
  }
  /** One screen of the page: labels such as "Username" appear on several, only one is shown at a time. */
  const screen = (page: Page, name: string) => page.locator(`#screen-${name}`);

  /** Register → the ticket → password → enroll TOTP from the secret as text → recovery codes confirmed. */
  async function registerWithTotp(page: Page, username: string, screenshots = false): Promise<string[]> {
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await screen(page, 'register').getByLabel('Username').fill(username);
    await screen(page, 'register').getByLabel('Password').fill(STRONG_PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByRole('heading', { name: 'Your enrollment ticket' }).waitFor();
    const ticket = (await page.locator('#ticket-value').textContent()) ?? '';
    expect(ticket.length).toBeGreaterThanOrEqual(16);
    if (screenshots) await shot(page, '1-enrollment-ticket');
    await page.getByRole('button', { name: 'Continue to sign in' }).click();

    // The username is filled in and the password field focused: type, then Enter submits.
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expect(screen(page, 'sign-in').getByLabel('Username').inputValue()).resolves.toBe(username);
    await page.keyboard.type(STRONG_PASSWORD);
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'Set up a second factor' }).waitFor();
    await expect(screen(page, 'enroll').getByLabel('Enrollment ticket').inputValue()).resolves.toBe(ticket);
    await page.getByRole('button', { name: 'Use an authenticator app' }).click();

    await page.getByRole('heading', { name: 'Scan this code' }).waitFor();
    const qr = page.getByRole('img', { name: 'QR code of the authenticator secret' });
    await expect(qr.getAttribute('src')).resolves.toMatch(/^data:image\/png;base64,/);
    // The image decoded and rendered: a blocked or broken data: URL has no natural size.
    await page.waitForFunction(
      "document.getElementById('totp-qr').complete && document.getElementById('totp-qr').naturalWidth > 0",
    );
    const secret = (await page.locator('#totp-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    if (screenshots) await shot(page, '2-totp-enrollment');
    await screen(page, 'totp-setup').getByLabel('6-digit code from the app').fill(totpAt(secret, currentStep()));
    await page.getByRole('button', { name: 'Confirm' }).click();

    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    const codes = await page.locator('#recovery-codes li').allTextContents();
    expect(codes.length).toBeGreaterThanOrEqual(8);
    // Nothing goes further until the user says the codes are saved.
    const proceed = page.getByRole('button', { name: 'Continue', exact: true });
    await expect(proceed.isDisabled()).resolves.toBe(true);
    if (screenshots) await shot(page, '3-recovery-codes');
    await screen(page, 'recovery').getByLabel('I have saved them').check();
    await proceed.click();

    await page.getByRole('heading', { name: 'Signed in' }).waitFor();
    await expect(page.locator('#account-username').textContent()).resolves.toBe(username);
    return codes;
  }

  async function signOut(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectStatus(page, 'Signed out.');
  }

  async function signInWithPassword(page: Page, username: string, password = STRONG_PASSWORD): Promise<void> {
    await screen(page, 'sign-in').getByLabel('Username').fill(username);
    await screen(page, 'sign-in').getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  it('register → enroll TOTP → recovery codes → sign out → sign in with a recovery code; errors shown in the alert', async () => {
    const session = await open();
    const { page } = session;
    const username = uniqueUsername('web');
    const codes = await registerWithTotp(page, username, true);
    // Tokens live in memory only: nothing in storage or cookies.
    await expect(page.evaluate('localStorage.length + sessionStorage.length + document.cookie.length')).resolves.toBe(
      0,
    );
    await expect(session.context.cookies()).resolves.toEqual([]);
    await signOut(page);

    // A wrong password: the one answer for every failure, read out by the alert.
    await signInWithPassword(page, username, 'not the password at all 1!');
    await alert(page)
      .filter({ hasText: /invalid username or password/i })
      .waitFor();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    await signInWithPassword(page, username);
    await page.getByRole('heading', { name: 'Second step' }).waitFor();
    await expect(alert(page).textContent()).resolves.toBe('');
    await screen(page, 'verify').getByLabel('Code from your authenticator app, or a recovery code').fill(codes[0]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();
    await signOut(page);

    // A spent recovery code is refused, visibly.
    await signInWithPassword(page, username);
    await screen(page, 'verify').getByLabel('Code from your authenticator app, or a recovery code').fill(codes[0]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await alert(page)
      .filter({ hasText: /invalid/i })
      .waitFor();

    // Signed in here, then every session ended from another client: signing out still lands on the sign-in screen.
    await screen(page, 'verify').getByLabel('Code from your authenticator app, or a recovery code').fill(codes[1]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();
    const elsewhere = await recoveryLogin(live.client, username, STRONG_PASSWORD, codes[2]);
    expect(elsewhere.status).toBe(200);
    expect((await live.client.post('/auth/logout-all', { token: elsewhere.body.accessToken })).status).toBe(204);
    await signOut(page);
    await close(session);
  });

  it('register → enroll TOTP → add a passkey → sign out → password + passkey → sign out → passwordless; rename and remove', async () => {
    const session = await open();
    const { page, cdp } = session;
    const authenticatorId = await addVirtualAuthenticator(cdp);
    const username = uniqueUsername('webkey');
    await registerWithTotp(page, username);

    // Adding a passkey: within 5 minutes of the sign-in, so no other proof is asked for.
    await screen(page, 'account').getByLabel('Name of the new passkey').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expectStatus(page, 'Passkey Test laptop added.');
    await expect(screen(page, 'account').getByLabel('Passkey name').inputValue()).resolves.toBe('Test laptop');
    await expect(cdp.send('WebAuthn.getCredentials', { authenticatorId: authenticatorId })).resolves.toEqual(
      expect.objectContaining({ credentials: [expect.objectContaining({ isResidentCredential: true })] }),
    );
    await shot(page, '4-account-passkeys');
    await expectEverythingLabelled(page);
    await signOut(page);

    // Password, then the passkey: the account has both factors, the page offers both.
    await signInWithPassword(page, username);
    await page.getByRole('heading', { name: 'Second step' }).waitFor();
    await expect(page.getByRole('button', { name: 'Verify' }).isVisible()).resolves.toBe(true);
    await shot(page, '5-second-step');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();
    await expect(page.locator('#account-username').textContent()).resolves.toBe(username);
    await signOut(page);

    // Passwordless: no username, no password; the discoverable credential names the user.
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();
    await expect(page.locator('#account-username').textContent()).resolves.toBe(username);

    // Rename, then remove (TOTP stays, so it is not the last second factor).
    await screen(page, 'account').getByLabel('Passkey name').fill('Work laptop');
    await page.getByRole('button', { name: 'Rename Test laptop' }).click();
    await expectStatus(page, 'Passkey renamed to Work laptop.');
    await expect(screen(page, 'account').getByLabel('Passkey name').inputValue()).resolves.toBe('Work laptop');
    await shot(page, '6-account-renamed');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Remove Work laptop' }).click();
    await expectStatus(page, 'Passkey Work laptop removed.');
    await expect(page.getByText('No passkey yet.').isVisible()).resolves.toBe(true);
    await signOut(page);
    await close(session);
  });

  it('lists the sessions of the account, ends the other one, and says when a recent sign-in is needed', async () => {
    const session = await open();
    const { page } = session;
    const username = uniqueUsername('websession');
    const codes = await registerWithTotp(page, username);
    await signOut(page);
    // Another client, whose User-Agent looks like markup: the page shows it as text.
    const other = new HttpsClient(live.t.port, live.t.ca, {
      localAddress: '127.0.0.2',
      headers: { 'user-agent': '<img src=x id=injected> Other/1.0' },
    });
    const elsewhere = await recoveryLogin(other, username, STRONG_PASSWORD, codes[0]);
    expect(elsewhere.status).toBe(200);

    await signInWithPassword(page, username);
    await screen(page, 'verify').getByLabel('Code from your authenticator app, or a recovery code').fill(codes[1]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();
    const items = page.locator('#sessions li');
    await items.nth(1).waitFor();
    await expect(items.count()).resolves.toBe(2);
    // Newest first: this tab's session, then the other client's.
    await expect(items.nth(0).locator('.client').textContent()).resolves.toMatch(/Chrom.* \(this session\)$/);
    await expect(items.nth(1).locator('.client').textContent()).resolves.toBe('<img src=x id=injected> Other/1.0');
    await expect(items.nth(1).textContent()).resolves.toMatch(/from 127\.0\.0\.2/);
    await expect(page.locator('#injected').count()).resolves.toBe(0);
    await shot(page, '8-account-sessions');
    await expectEverythingLabelled(page);

    const endOther = items.nth(1).getByRole('button', { name: /^End this session/ });
    // A sign-in older than 5 minutes: the server's RFC 9470 answer (played here, since the
    // page never refreshes its token) turns into a message that says what to do.
    await page.route(
      '**/auth/sessions/*',
      (route) =>
        route.fulfill({
          status: 401,
          headers: {
            'Content-Type': 'application/json',
            'WWW-Authenticate':
              'Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age=300',
          },
          body: JSON.stringify({
            statusCode: 401,
            error: 'Unauthorized',
            message: 'A more recent authentication is required',
            requestId: 'test',
          }),
        }),
      { times: 1 },
    );
    await endOther.click();
    await alert(page)
      .filter({ hasText: 'This needs a sign-in from the last 5 minutes: sign out and sign in again.' })
      .waitFor();
    await expect(items.count()).resolves.toBe(2);

    // Now for real: the other client's tokens stop working at once.
    await endOther.click();
    await expectStatus(page, 'Session ended.');
    await expect(items.count()).resolves.toBe(1);
    await expect(items.nth(0).locator('.client').textContent()).resolves.toMatch(/\(this session\)$/);
    expect((await other.get('/auth/me', { token: elsewhere.body.accessToken })).status).toBe(401);
    expect((await other.post('/auth/refresh', { body: { refreshToken: elsewhere.body.refreshToken } })).status).toBe(
      401,
    );

    // Ending this tab's own session signs it out.
    await items
      .nth(0)
      .getByRole('button', { name: /^End this session/ })
      .click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectStatus(page, 'Session ended: signed out.');
    await close(session);
  });

  it('a passkey as the only second factor: enrolled with the ticket, asked for alone at sign-in, and never removed', async () => {
    const session = await open();
    const { page, cdp } = session;
    await addVirtualAuthenticator(cdp);
    const username = uniqueUsername('webonly');
    await page.getByRole('button', { name: 'Create an account' }).click();
    await screen(page, 'register').getByLabel('Username').fill(username);
    await screen(page, 'register').getByLabel('Password').fill(STRONG_PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Continue to sign in' }).click();
    await signInWithPassword(page, username);

    await page.getByRole('heading', { name: 'Set up a second factor' }).waitFor();
    await shot(page, '7-enroll-choice');
    await screen(page, 'enroll').getByLabel('Passkey name').fill('Only key');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    await expect(page.locator('#recovery-codes li').count()).resolves.toBeGreaterThanOrEqual(8);
    await screen(page, 'recovery').getByLabel('I have saved them').check();
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();
    await expect(screen(page, 'account').getByLabel('Passkey name').inputValue()).resolves.toBe('Only key');
    await signOut(page);

    // next = webauthn-verify: the page offers the passkey and no code field.
    await signInWithPassword(page, username);
    await page.getByRole('heading', { name: 'Second step' }).waitFor();
    await expect(page.getByRole('button', { name: 'Verify' }).isVisible()).resolves.toBe(false);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();

    // The last second factor stays: the refusal is shown, the passkey still listed.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Remove Only key' }).click();
    await alert(page)
      .filter({ hasText: /last second factor/i })
      .waitFor();
    await expect(screen(page, 'account').getByLabel('Passkey name').inputValue()).resolves.toBe('Only key');
    await signOut(page);
    await close(session);
  });
});
