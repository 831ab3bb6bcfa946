import type { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { api, ApiError, type ListedSession, type LoginResult, type Passkey, type SessionTokens } from './api.js';
import { action, byId, input, show, showStatus } from './dom.js';

/** The vendor script (/app/vendor/simplewebauthn-browser.js) defines this global. */
declare const SimpleWebAuthnBrowser: {
  startRegistration: typeof startRegistration;
  startAuthentication: typeof startAuthentication;
  browserSupportsWebAuthn(): boolean;
};

type RegistrationOptions = Parameters<typeof startRegistration>[0]['optionsJSON'];
type AuthenticationOptions = Parameters<typeof startAuthentication>[0]['optionsJSON'];

/** The ticket from this tab's registration, offered at enrollment; memory only, like the tokens. */
let enrollmentTicket = '';
let username = '';

function describe(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.needsFreshLogin) return 'This needs a sign-in from the last 5 minutes: sign out and sign in again.';
    // The access token expired (or the session ended elsewhere): this client does not refresh silently.
    if (error.status === 401 && api.signedIn) return 'Your session has ended: sign out and sign in again.';
    if (error.status === 429) return 'Too many attempts: wait a minute and try again.';
    return error.message;
  }
  // The browser's WebAuthn errors (cancelled, timed out, no authenticator) carry a readable message.
  if (error instanceof Error)
    return error.name === 'NotAllowedError' ? 'The passkey request was cancelled.' : error.message;
  return String(error);
}

function on(id: string, run: () => Promise<void>): void {
  action(byId(id), run, describe);
}

function passkeysSupported(): boolean {
  return typeof SimpleWebAuthnBrowser !== 'undefined' && SimpleWebAuthnBrowser.browserSupportsWebAuthn();
}

async function createPasskey(options: unknown): Promise<unknown> {
  return SimpleWebAuthnBrowser.startRegistration({ optionsJSON: options as RegistrationOptions });
}

async function usePasskey(options: unknown): Promise<unknown> {
  return SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: options as AuthenticationOptions });
}

/** After the password: the next step the server names, with the factors the account has. */
function afterPassword(result: LoginResult): void {
  if (result.next === 'totp-enroll') {
    input('enroll-ticket').value = enrollmentTicket;
    byId('enroll-passkey').hidden = !passkeysSupported();
    show('enroll');
    return;
  }
  const factors = result.factors ?? (result.next === 'webauthn-verify' ? ['webauthn'] : ['totp']);
  byId('verify-totp-form').hidden = !factors.includes('totp');
  byId('verify-passkey').hidden = !factors.includes('webauthn') || !passkeysSupported();
  input('verify-code').value = '';
  show('verify');
}

/** A completed first enrollment: the recovery codes, once, before anything else. */
function showRecoveryCodes(tokens: SessionTokens): void {
  enrollmentTicket = '';
  const list = byId('recovery-codes');
  list.replaceChildren(
    ...(tokens.recoveryCodes ?? []).map((code) => {
      const item = document.createElement('li');
      item.textContent = code;
      return item;
    }),
  );
  input('recovery-saved').checked = false;
  byId('recovery-continue').setAttribute('disabled', '');
  show('recovery');
}

async function showAccount(): Promise<void> {
  const me = await api.me();
  username = me.username;
  byId('account-username').textContent = me.username;
  show('account');
  await refreshPasskeys();
  await refreshSessions();
}

// An action redraws its list before it reports success, so the status never
// announces a change the page does not show yet.
async function refreshSessions(): Promise<void> {
  byId('sessions').replaceChildren(...(await api.sessions()).map(sessionItem));
}

/**
 * One session: which client (its User-Agent, set as text: it is whatever
 * that client sent), from where, since when, and a button to end it. Ending
 * the current one signs this tab out, like "Sign out".
 */
function sessionItem(session: ListedSession): HTMLLIElement {
  const item = document.createElement('li');
  const client = document.createElement('p');
  client.className = 'client';
  client.textContent = (session.userAgent ?? 'Unknown client') + (session.current ? ' (this session)' : '');
  const details = document.createElement('p');
  details.className = 'muted';
  const from =
    session.createdFromAddress && session.createdFromAddress !== session.clientAddress
      ? `, signed in from ${session.createdFromAddress}`
      : '';
  details.textContent =
    `Signed in ${new Date(session.createdAt).toLocaleString()}, last active ${new Date(session.lastUsedAt).toLocaleString()}` +
    (session.clientAddress ? ` from ${session.clientAddress}` : '') +
    from;
  const end = document.createElement('button');
  end.type = 'button';
  end.className = 'danger';
  end.textContent = 'End this session';
  const created = new Date(session.createdAt).toLocaleString();
  // The accessible name starts with the visible text (WCAG 2.5.3) and tells the buttons apart.
  end.setAttribute('aria-label', `End this session (${session.current ? 'this tab: signs out here' : created})`);
  item.append(client, details, end);

  action(
    end,
    async () => {
      await api.endSession(session.id);
      if (session.current) {
        await signedOut('Session ended: signed out.');
        return;
      }
      await refreshSessions();
      showStatus('Session ended.');
    },
    describe,
  );
  return item;
}

/** Back to the sign-in screen with this tab's tokens forgotten (the server already ended the session, or is told now). */
async function signedOut(message: string): Promise<void> {
  try {
    await api.signOut();
    showStatus(message);
  } finally {
    byId('passkeys').replaceChildren();
    byId('sessions').replaceChildren();
    input('sign-in-username').value = username;
    show('sign-in');
  }
}

async function refreshPasskeys(): Promise<void> {
  const passkeys = passkeysSupported() ? await api.passkeys() : [];
  byId('passkeys-empty').hidden = passkeys.length > 0;
  byId('passkeys').replaceChildren(...passkeys.map(passkeyItem));
}

/** One passkey: its name, editable in place, and a remove button; every control labelled for its passkey. */
function passkeyItem(passkey: Passkey): HTMLLIElement {
  const item = document.createElement('li');
  const form = document.createElement('form');
  const fieldId = `passkey-name-${passkey.id}`;
  const label = document.createElement('label');
  label.htmlFor = fieldId;
  label.textContent = 'Passkey name';
  const name = document.createElement('input');
  name.id = fieldId;
  name.value = passkey.name;
  name.maxLength = 64;
  name.required = true;
  const rename = document.createElement('button');
  rename.type = 'submit';
  rename.textContent = 'Rename';
  rename.setAttribute('aria-label', `Rename ${passkey.name}`);
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.textContent = 'Remove';
  remove.className = 'danger';
  remove.setAttribute('aria-label', `Remove ${passkey.name}`);
  const details = document.createElement('p');
  details.className = 'muted';
  details.textContent =
    `Added ${new Date(passkey.createdAt).toLocaleString()}` +
    (passkey.lastUsedAt ? `, last used ${new Date(passkey.lastUsedAt).toLocaleString()}` : ', not used yet') +
    (passkey.backedUp ? ', synced' : '');
  form.append(label, name, rename, remove);
  item.append(form, details);

  action(
    form,
    async () => {
      const renamed = name.value.trim();
      await api.renamePasskey(passkey.id, renamed);
      await refreshPasskeys();
      showStatus(`Passkey renamed to ${renamed}.`);
    },
    describe,
  );
  action(
    remove,
    async () => {
      if (!window.confirm(`Remove the passkey "${passkey.name}"?`)) return;
      await api.removePasskey(passkey.id);
      await refreshPasskeys();
      showStatus(`Passkey ${passkey.name} removed.`);
    },
    describe,
  );
  return item;
}

function wire(): void {
  on('go-register', async () => show('register'));
  on('register-back', async () => show('sign-in'));

  on('register-form', async () => {
    const registered = await api.register(input('register-username').value.trim(), input('register-password').value);
    input('register-password').value = '';
    enrollmentTicket = registered.enrollmentTicket;
    byId('ticket-username').textContent = registered.username;
    byId('ticket-value').textContent = registered.enrollmentTicket;
    input('sign-in-username').value = registered.username;
    show('ticket');
  });
  on('ticket-continue', async () => {
    show('sign-in');
    input('sign-in-password').focus();
  });

  on('sign-in-form', async () => {
    const result = await api.login(input('sign-in-username').value.trim(), input('sign-in-password').value);
    input('sign-in-password').value = '';
    afterPassword(result);
  });

  on('enroll-totp', async () => {
    const setup = await api.totpSetup(input('enroll-ticket').value.trim());
    byId<HTMLImageElement>('totp-qr').src = setup.qrCodeDataUrl;
    byId('totp-secret').textContent = setup.secret;
    input('totp-enable-code').value = '';
    show('totp-setup');
  });
  on('totp-enable-form', async () => {
    showRecoveryCodes(await api.totpEnable(input('totp-enable-code').value.trim()));
  });
  on('enroll-passkey', async () => {
    const options = await api.passkeyEnrollOptions(input('enroll-ticket').value.trim());
    const response = await createPasskey(options);
    showRecoveryCodes(await api.passkeyEnrollVerify(response, input('enroll-passkey-name').value.trim()));
  });

  input('recovery-saved').addEventListener('change', () => {
    byId('recovery-continue').toggleAttribute('disabled', !input('recovery-saved').checked);
  });
  on('recovery-form', async () => {
    byId('recovery-codes').replaceChildren();
    await showAccount();
  });

  on('verify-totp-form', async () => {
    await api.totpVerify(input('verify-code').value.trim());
    await showAccount();
  });
  on('verify-passkey', async () => {
    const response = await usePasskey(await api.passkeyAuthenticateOptions());
    await api.passkeyAuthenticateVerify(response);
    await showAccount();
  });

  on('passwordless', async () => {
    const response = await usePasskey(await api.passwordlessOptions());
    await api.passwordlessVerify(response);
    await showAccount();
  });

  on('add-passkey-form', async () => {
    const name = input('add-passkey-name').value.trim();
    const response = await createPasskey(await api.passkeyRegisterOptions());
    const added = await api.passkeyRegisterVerify(response, name);
    input('add-passkey-name').value = '';
    await refreshPasskeys();
    showStatus(`Passkey ${added.name} added.`);
  });

  // The tokens are forgotten whatever the server answers; a failure still shows, on the sign-in screen.
  on('sign-out', () => signedOut('Signed out.'));

  byId('passwordless').hidden = !passkeysSupported();
}

// Module scripts run after parsing, and after the deferred vendor script before them.
wire();
