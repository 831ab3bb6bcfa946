import { Injectable } from '@nestjs/common';
import { EnrollmentTicketsService } from '../enrollment/enrollment-tickets.service';
import { CredentialRevocationService } from '../sessions/credential-revocation.service';
import { SecondFactors } from './second-factors.service';

/** A 2FA reset, from the API (after password and code) or the operator's CLI. */
@Injectable()
export class SecondFactorReset {
  constructor(
    private readonly factors: SecondFactors,
    private readonly credentials: CredentialRevocationService,
    private readonly tickets: EnrollmentTicketsService,
  ) {}

  /**
   * Removes every second factor and the recovery codes, then ends what they
   * vouched for (credential version, device tokens, sessions), and returns
   * the enrollment ticket the next enrollment needs. Factors go first, so the
   * version bump that follows also ends logins in flight against them.
   */
  async resetAll(userId: string): Promise<string> {
    await this.factors.removeAll(userId);
    await this.credentials.revokeAll(userId);
    return this.tickets.issue(userId);
  }
}
