/**
 * The API as the page uses it: JSON over fetch to this origin (the page's
 * CSP allows no other), tokens held in this module's variables only. Nothing
 * goes to localStorage, sessionStorage or cookies, so a reload signs out and
 * no token outlives the tab.
 */

/** The API's one error shape. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  requestId?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | undefined,
    readonly authenticateHeader: string | null,
  ) {
    const message = body?.message ?? `HTTP ${status}`;
    super(Array.isArray(message) ? message.join('; ') : message);
  }

  /** RFC 9470: the token is too old for this action; a new sign-in fixes it. */
  get needsFreshLogin(): boolean {
    return this.status === 401 && /insufficient_user_authentication|max_age/.test(this.authenticateHeader ?? '');
  }
}

export type Next = 'totp-enroll' | 'totp-verify' | 'webauthn-verify';
export type Factor = 'totp' | 'webauthn';

export interface LoginResult {
  preAuthToken: string;
  expiresIn: number;
  next: Next;
  factors?: Factor[];
}

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  deviceToken?: string;
  recoveryCodes?: string[];
  recoveryCodesRemaining?: number;
}

export interface Registered {
  id: string;
  username: string;
  enrollmentTicket: string;
}

export interface TotpSetup {
  secret: string;
  otpauthUrl: string;
  qrCodeDataUrl: string;
}

export interface Me {
  id: string;
  username: string;
  twoFactorEnabled: boolean;
}

export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  backedUp: boolean;
}

/** One entry of GET /auth/sessions. userAgent is client-chosen text: shown with textContent only. */
export interface ListedSession {
  id: string;
  current: boolean;
  createdAt: string;
  lastUsedAt: string;
  clientAddress: string | null;
  createdFromAddress: string | null;
  userAgent: string | null;
  amr: string[];
  acr: string;
}

type Auth = 'none' | 'pre-auth' | 'access';

let preAuthToken: string | undefined;
let session: SessionTokens | undefined;
let deviceToken: string | undefined;

async function call<T>(method: string, path: string, auth: Auth, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = auth === 'pre-auth' ? preAuthToken : auth === 'access' ? session?.accessToken : undefined;
  if (auth !== 'none' && !token) throw new ApiError(401, undefined, null);
  if (token) headers.Authorization = `Bearer ${token}`;
  // A JSON content type with no body is a 400 at the server: send one only with a body.
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    throw new ApiError(response.status, parsed as ApiErrorBody, response.headers.get('WWW-Authenticate'));
  }
  return parsed as T;
}

function startSession(tokens: SessionTokens): SessionTokens {
  session = tokens;
  preAuthToken = undefined;
  if (tokens.deviceToken) deviceToken = tokens.deviceToken;
  return tokens;
}

export const api = {
  get signedIn(): boolean {
    return session !== undefined;
  },

  register(username: string, password: string): Promise<Registered> {
    return call('POST', '/auth/register', 'none', { username, password });
  },

  async login(username: string, password: string): Promise<LoginResult> {
    const result = await call<LoginResult>('POST', '/auth/login', 'none', { username, password, deviceToken });
    preAuthToken = result.preAuthToken;
    return result;
  },

  totpSetup(enrollmentTicket: string): Promise<TotpSetup> {
    return call('POST', '/auth/2fa/setup', 'pre-auth', enrollmentTicket ? { enrollmentTicket } : {});
  },

  async totpEnable(code: string): Promise<SessionTokens> {
    return startSession(await call('POST', '/auth/2fa/enable', 'pre-auth', { code }));
  },

  async totpVerify(code: string): Promise<SessionTokens> {
    const body = /^\d{6}$/.test(code) ? { code } : { recoveryCode: code };
    return startSession(await call('POST', '/auth/2fa/verify', 'pre-auth', body));
  },

  passkeyEnrollOptions(enrollmentTicket: string): Promise<unknown> {
    return call('POST', '/auth/webauthn/enroll/options', 'pre-auth', enrollmentTicket ? { enrollmentTicket } : {});
  },

  async passkeyEnrollVerify(response: unknown, name: string): Promise<SessionTokens> {
    return startSession(await call('POST', '/auth/webauthn/enroll/verify', 'pre-auth', { response, name }));
  },

  passkeyAuthenticateOptions(): Promise<unknown> {
    return call('POST', '/auth/webauthn/authenticate/options', 'pre-auth', {});
  },

  async passkeyAuthenticateVerify(response: unknown): Promise<SessionTokens> {
    return startSession(await call('POST', '/auth/webauthn/authenticate/verify', 'pre-auth', { response }));
  },

  passwordlessOptions(): Promise<unknown> {
    return call('POST', '/auth/webauthn/login/options', 'none', {});
  },

  async passwordlessVerify(response: unknown): Promise<SessionTokens> {
    return startSession(await call('POST', '/auth/webauthn/login/verify', 'none', { response, deviceToken }));
  },

  me(): Promise<Me> {
    return call('GET', '/auth/me', 'access');
  },

  passkeys(): Promise<Passkey[]> {
    return call('GET', '/auth/webauthn/credentials', 'access');
  },

  passkeyRegisterOptions(): Promise<unknown> {
    return call('POST', '/auth/webauthn/register/options', 'access', {});
  },

  passkeyRegisterVerify(response: unknown, name: string): Promise<Passkey> {
    return call('POST', '/auth/webauthn/register/verify', 'access', { response, name });
  },

  renamePasskey(id: string, name: string): Promise<Passkey> {
    return call('PATCH', `/auth/webauthn/credentials/${encodeURIComponent(id)}`, 'access', { name });
  },

  removePasskey(id: string): Promise<void> {
    return call('DELETE', `/auth/webauthn/credentials/${encodeURIComponent(id)}`, 'access');
  },

  sessions(): Promise<ListedSession[]> {
    return call('GET', '/auth/sessions', 'access');
  },

  endSession(id: string): Promise<void> {
    return call('DELETE', `/auth/sessions/${encodeURIComponent(id)}`, 'access');
  },

  /** Ends the session at the server, then forgets it here whatever the answer. */
  async signOut(): Promise<void> {
    try {
      if (session) await call('POST', '/auth/logout', 'access');
    } catch (error) {
      // 401: the token expired or the session already ended, so there is nothing left to end.
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    } finally {
      session = undefined;
      preAuthToken = undefined;
    }
  },
};
