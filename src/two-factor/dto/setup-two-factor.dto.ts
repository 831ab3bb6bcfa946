import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Longer than any ticket issued (43 characters), so a ticket is never cut, yet bounded. */
const ENROLLMENT_TICKET_MAX_LENGTH = 128;

export class SetupTwoFactorDto {
  /**
   * Optional in the schema so that a missing ticket gets the route's own 403
   * (in the one error shape) rather than a validation 400.
   */
  @ApiProperty({
    required: false,
    maxLength: ENROLLMENT_TICKET_MAX_LENGTH,
    description:
      'The one-time enrollment ticket from registration, POST /auth/2fa/reset or the operator (CLI). ' +
      'Required unless ENROLLMENT_TICKET_REQUIRED=false',
  })
  @IsOptional()
  @IsString()
  @MaxLength(ENROLLMENT_TICKET_MAX_LENGTH)
  enrollmentTicket?: string;
}
