/** Small DOM helpers: the page's markup is static (index.html); scripts only fill in text and toggle screens. */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

export function input(id: string): HTMLInputElement {
  return byId<HTMLInputElement>(id);
}

export const SCREENS = [
  'sign-in',
  'register',
  'ticket',
  'enroll',
  'totp-setup',
  'recovery',
  'verify',
  'account',
] as const;
export type Screen = (typeof SCREENS)[number];

/** Shows one screen and moves the focus to its heading, so keyboard and screen-reader users land on it. */
export function show(screen: Screen): void {
  for (const name of SCREENS) byId(`screen-${name}`).hidden = name !== screen;
  byId(`screen-${screen}`).querySelector<HTMLElement>('h2')?.focus();
}

/** Errors go to the one role="alert" element, read out as they appear. Text only: never markup from a response. */
export function showError(message: string): void {
  byId('error').textContent = message;
}

export function showStatus(message: string): void {
  byId('status').textContent = message;
}

export function clearMessages(): void {
  showError('');
  showStatus('');
}

/** Runs an action from a form or button: the control is disabled meanwhile, a failure shows in the alert. */
export function action(control: HTMLElement, run: () => Promise<void>, describe: (error: unknown) => string): void {
  const button = control instanceof HTMLFormElement ? control.querySelector('button[type=submit]') : control;
  const handler = async (event: Event) => {
    event.preventDefault();
    clearMessages();
    button?.setAttribute('disabled', '');
    try {
      await run();
    } catch (error) {
      showError(describe(error));
    } finally {
      button?.removeAttribute('disabled');
    }
  };
  control.addEventListener(control instanceof HTMLFormElement ? 'submit' : 'click', handler);
}
