import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { DataSource } from 'typeorm';
import type { AuthenticatedUser, PreAuthenticatedUser } from '../access/principal';
import type { RequestOrigin } from '../audit/request-origin';
import { SecurityEvents } from '../audit/security-events.service';
import { DeviceTokensService } from '../devices/device-tokens.service';
import { EnrollmentTicketsService } from '../enrollment/enrollment-tickets.service';
import { RecoveryCodesService } from '../factors/recovery-codes.service';
import { SecondFactors } from '../factors/second-factors.service';
import { WebAuthnChallenges, type Ceremony } from '../factors/webauthn-challenges';
import type { WebAuthnCredential } from '../factors/webauthn-credential.entity';
import { MAX_PASSKEYS, WebAuthnCredentialsService } from '../factors/webauthn-credentials.service';
import { WebAuthnRelyingParty, type NewCredential } from '../factors/webauthn-relying-party';
import { credentialLabel, INVALID_PASSKEY, WebAuthnFactor } from '../factors/webauthn.factor';
import { AccountLockoutService } from '../rate-limit/account-lockout.service';
import { PreAuthBudgetService } from '../tokens/pre-auth-budget.service';
import { LoginSteps, TICKET_REQUIRED, type FullLogin } from '../two-factor/login-steps.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';

const INVALID_REGISTRATION = 'Invalid passkey registration';
const ALREADY_REGISTERED = 'This passkey is already registered';
const NO_PASSKEY = 'No passkey is registered for this account';
const ALREADY_ENROLLED = 'A second factor is already enrolled';

export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  backedUp: boolean;
}

/** Thrown inside the enrollment transaction to roll it back. */
class EnrollmentRefused extends Error {
  constructor(readonly reason: 'ticket-voided' | 'changed' | 'duplicate') {
    super(reason);
  }
}

/**
 * The passkey ceremonies: adding and managing passkeys (access token, fresh
 * login), a passkey as the second step of login or as the first factor
 * enrolled (pre-auth token), and passwordless login (public).
 */
@Injectable()
export class WebAuthnService {
  constructor(
    private readonly users: UsersService,
    private readonly credentials: WebAuthnCredentialsService,
    private readonly challenges: WebAuthnChallenges,
    private readonly relyingParty: WebAuthnRelyingParty,
    private readonly factor: WebAuthnFactor,
    private readonly factors: SecondFactors,
    private readonly steps: LoginSteps,
    private readonly tickets: EnrollmentTicketsService,
    private readonly recoveryCodes: RecoveryCodesService,
    private readonly budget: PreAuthBudgetService,
    private readonly lockout: AccountLockoutService,
    private readonly devices: DeviceTokensService,
    private readonly events: SecurityEvents,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  // --- A logged-in user's passkeys -----------------------------------------

  /** The challenge is bound to the caller's session: another session cannot answer it. */
  async registrationOptions(principal: AuthenticatedUser): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const user = await this.user(principal.id);
    const existing = await this.credentials.list(user.id);
    if (existing.length >= MAX_PASSKEYS) {
      throw new ConflictException(`An account holds at most ${MAX_PASSKEYS} passkeys: remove one first`);
    }
    const challenge = await this.challenges.issue({ purpose: 'register', binding: principal.sid });
    return this.relyingParty.registrationOptions(user, existing, challenge);
  }

  async register(
    principal: AuthenticatedUser,
    response: RegistrationResponseJSON,
    name: string,
    origin: RequestOrigin,
  ): Promise<Pick<Passkey, 'id' | 'name' | 'createdAt'>> {
    const user = await this.user(principal.id);
    const created = await this.verifyRegistration(
      user,
      { purpose: 'register', binding: principal.sid },
      response,
      origin,
    );
    const stored = await this.credentials.add(user.id, created.credential, name);
    if (!stored) throw this.duplicate(user, origin);
    this.events.record('auth.webauthn.registered', origin, {
      userId: user.id,
      credential: credentialLabel(stored.credentialId),
    });
    return { id: stored.id, name: stored.name, createdAt: new Date(stored.createdAt).toISOString() };
  }

  async list(principal: AuthenticatedUser): Promise<Passkey[]> {
    return (await this.credentials.list(principal.id)).map(toPasskey);
  }

  async rename(principal: AuthenticatedUser, id: string, name: string, origin: RequestOrigin): Promise<Passkey> {
    const renamed = await this.credentials.rename(principal.id, id, name);
    if (!renamed) throw new NotFoundException('No such passkey');
    this.events.record('auth.webauthn.renamed', origin, {
      userId: principal.id,
      credential: credentialLabel(renamed.credentialId),
    });
    return toPasskey(renamed);
  }

  /** Refused (409) for the account's last second factor: a reset (POST /auth/2fa/reset) is the way to remove it. */
  async remove(principal: AuthenticatedUser, id: string, origin: RequestOrigin): Promise<void> {
    const outcome = await this.credentials.remove(principal.id, id);
    if (outcome === 'not-found') throw new NotFoundException('No such passkey');
    if (outcome === 'last-factor') {
      throw new ConflictException('This is the last second factor of the account: add another one first');
    }
    this.events.record('auth.webauthn.removed', origin, { userId: principal.id });
  }

  // --- Second step of login ------------------------------------------------

  /** Options restricted to this user's passkeys; the challenge is bound to the pre-auth token. */
  async authenticationOptions(principal: PreAuthenticatedUser): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const user = await this.steps.user(principal);
    const passkeys = await this.credentials.list(user.id);
    if (passkeys.length === 0) throw new ConflictException(NO_PASSKEY);
    const challenge = await this.challenges.issue({ purpose: 'authenticate', binding: principal.jti });
    return this.relyingParty.authenticationOptions(challenge, passkeys);
  }

  /** Charged like a code (lockout and pre-auth budget) before the assertion is looked at. */
  async authenticate(
    principal: PreAuthenticatedUser,
    response: AuthenticationResponseJSON,
    origin: RequestOrigin,
  ): Promise<FullLogin> {
    const user = await this.steps.user(principal);
    if (!(await this.factor.isEnrolled(user))) throw new ConflictException(NO_PASSKEY);
    await this.steps.chargeAttempt(principal, user, origin);
    await this.factors.verify(
      user,
      { kind: 'webauthn', response },
      { credentialVersion: principal.credentialVersion, origin, challengeBinding: principal.jti },
    );
    await this.budget.spend(principal.jti, principal.exp);
    return this.steps.complete(user, principal, 'webauthn', origin);
  }

  // --- A passkey as the first factor enrolled ------------------------------

  /**
   * Like /auth/2fa/setup: the enrollment ticket is checked here (wrong ones
   * count), and the challenge carries the ticket to the verify step, which
   * spends exactly that one.
   */
  async enrollmentOptions(
    principal: PreAuthenticatedUser,
    ticket: string | undefined,
    origin: RequestOrigin,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const user = await this.steps.user(principal);
    if (await this.factors.hasAny(user)) throw new ConflictException(ALREADY_ENROLLED);
    const ticketId = this.tickets.required ? await this.steps.checkTicket(principal, user, ticket, origin) : null;
    const challenge = await this.challenges.issue(
      { purpose: 'enroll', binding: principal.jti },
      ticketId ? { ticketId } : {},
    );
    return this.relyingParty.registrationOptions(user, [], challenge);
  }

  /**
   * Like /auth/2fa/enable: the ticket is spent, the passkey stored and the
   * credential version checked in one transaction; the login completes and
   * the recovery codes are issued.
   */
  async enroll(
    principal: PreAuthenticatedUser,
    response: RegistrationResponseJSON,
    name: string,
    origin: RequestOrigin,
  ): Promise<FullLogin & { recoveryCodes: string[] }> {
    const user = await this.steps.user(principal);
    if (await this.factors.hasAny(user)) throw new ConflictException(ALREADY_ENROLLED);
    await this.steps.chargeAttempt(principal, user, origin);
    const created = await this.verifyRegistration(
      user,
      { purpose: 'enroll', binding: principal.jti },
      response,
      origin,
    );
    const ticketId = created.data.ticketId;
    // Options asked while tickets were off do not enroll once they are on.
    if (this.tickets.required && !ticketId) throw new ForbiddenException(TICKET_REQUIRED);
    await this.budget.spend(principal.jti, principal.exp);
    try {
      await this.storeFirstPasskey(user, created.credential, name, principal.credentialVersion, ticketId ?? null);
    } catch (error) {
      if (!(error instanceof EnrollmentRefused)) throw error;
      if (error.reason === 'ticket-voided') throw new ForbiddenException(TICKET_REQUIRED);
      if (error.reason === 'duplicate') throw this.duplicate(user, origin);
      throw new UnauthorizedException(INVALID_PASSKEY);
    }
    this.events.record('auth.webauthn.registered', origin, {
      userId: user.id,
      credential: credentialLabel(created.credential.credentialId),
    });
    this.events.record('auth.2fa.enrolled', origin, { userId: user.id });
    const recoveryCodes = await this.recoveryCodes.replace(user.id);
    return { ...(await this.steps.complete(user, principal, 'webauthn-enrollment', origin)), recoveryCodes };
  }

  // --- Passwordless --------------------------------------------------------

  /** A discoverable-credential request with user verification required; the challenge is bound to the client address. */
  async passwordlessOptions(origin: RequestOrigin): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const challenge = await this.challenges.issue({ purpose: 'login', binding: addressBinding(origin) });
    return this.relyingParty.authenticationOptions(challenge, 'discoverable');
  }

  /**
   * The passkey is both factors (user verification required). Failures are
   * counted per address by the login rate limit and, when the credential
   * belongs to a user, on that user's untrusted counter (or the device's,
   * with a valid device token), reserved before the assertion is checked.
   */
  async passwordless(
    response: AuthenticationResponseJSON,
    deviceToken: string | undefined,
    origin: RequestOrigin,
  ): Promise<FullLogin> {
    const ceremony: Ceremony = { purpose: 'login', binding: addressBinding(origin) };
    const ownerId = await this.factor.ownerOf(response);
    const user = ownerId ? await this.users.findById(ownerId) : null;
    if (!user) {
      // Spent all the same: an answer never leaves its challenge reusable.
      await this.challenges.take(ceremony, response?.response?.clientDataJSON);
      this.events.record('auth.webauthn.failed', origin, { reason: 'unknown-credential' });
      throw new UnauthorizedException(INVALID_PASSKEY);
    }
    const attempt = {
      credentialVersion: user.credentialVersion,
      deviceId: await this.devices.resolve(deviceToken, user.id),
    };
    await this.lockout.reserveAttempt(this.steps.subject(attempt, user), origin);
    await this.factor.assert(user, response, ceremony, true, { credentialVersion: user.credentialVersion, origin });
    return this.steps.complete(user, attempt, 'passwordless', origin);
  }

  // --- Shared --------------------------------------------------------------

  private async verifyRegistration(
    user: User,
    ceremony: Ceremony,
    response: RegistrationResponseJSON,
    origin: RequestOrigin,
  ): Promise<{ credential: NewCredential; data: Record<string, string> }> {
    const taken = await this.challenges.take(ceremony, response?.response?.clientDataJSON);
    const credential = taken ? await this.relyingParty.verifyRegistration(response, taken.challenge) : null;
    if (!taken || !credential) {
      this.events.record('auth.webauthn.failed', origin, {
        userId: user.id,
        reason: taken ? 'registration' : 'challenge',
      });
      // At enrollment a bad ceremony is a wrong proof on a pre-auth token (401, counted); later, a bad request.
      throw ceremony.purpose === 'enroll'
        ? new UnauthorizedException(INVALID_REGISTRATION)
        : new BadRequestException(INVALID_REGISTRATION);
    }
    return { credential, data: taken.data };
  }

  private async storeFirstPasskey(
    user: User,
    credential: NewCredential,
    name: string,
    credentialVersion: number,
    ticketId: string | null,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (ticketId === null) await this.tickets.voidAll(manager, user.id);
      else if (!(await this.tickets.spend(manager, ticketId, user.id))) throw new EnrollmentRefused('ticket-voided');
      if (!(await manager.existsBy(User, { id: user.id, credentialVersion }))) throw new EnrollmentRefused('changed');
      if (!(await this.credentials.add(user.id, credential, name, manager))) throw new EnrollmentRefused('duplicate');
    });
  }

  private duplicate(user: User, origin: RequestOrigin): ConflictException {
    this.events.record('auth.webauthn.failed', origin, { userId: user.id, reason: 'duplicate' });
    return new ConflictException(ALREADY_REGISTERED);
  }

  private async user(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new UnauthorizedException();
    return user;
  }
}

function toPasskey(credential: WebAuthnCredential): Passkey {
  return {
    id: credential.id,
    name: credential.name,
    createdAt: new Date(credential.createdAt).toISOString(),
    lastUsedAt: credential.lastUsedAt === null ? null : new Date(credential.lastUsedAt).toISOString(),
    backedUp: credential.backedUp,
  };
}

/** Passwordless challenges belong to the address that asked for them. */
function addressBinding(origin: RequestOrigin): string {
  return origin.clientAddress ?? 'unknown';
}
