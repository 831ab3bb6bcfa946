import { ApiProperty } from '@nestjs/swagger';
import { ACR_MFA, ACR_PHISHING_RESISTANT } from '../../access/acr';
import { USER_AGENT_MAX_LENGTH } from '../../audit/request-origin';
import { ISO_DATE_TIME, UUID } from '../../openapi/string-formats';
import type { ListedDevice, ListedSession } from '../session-list.service';

const ADDRESS = {
  type: String,
  nullable: true,
  maxLength: 64,
  example: '203.0.113.7',
} as const;
const userAgent = (sentAt: string) =>
  ({
    type: String,
    nullable: true,
    maxLength: USER_AGENT_MAX_LENGTH,
    description:
      `The User-Agent header as sent at ${sentAt}, cut to 256 characters, control characters (CR, LF, C1, ` +
      'U+2028/9) shown as \\uXXXX escapes; client-chosen text: display it as text, never as HTML. Null when none was sent.',
    example: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
  }) as const;

export class SessionDto implements ListedSession {
  @ApiProperty({ ...UUID, description: 'The sid claim of the access tokens of this session' })
  id: string;

  @ApiProperty({ description: 'The session of the access token that asked' })
  current: boolean;

  @ApiProperty({ ...ISO_DATE_TIME, description: 'When the login started it' })
  createdAt: string;

  @ApiProperty({ ...ISO_DATE_TIME, description: 'The last refresh (the login, until one)' })
  lastUsedAt: string;

  @ApiProperty({
    ...ADDRESS,
    description: 'The client address last seen: at the login, then at each refresh. Null when unknown',
  })
  clientAddress: string | null;

  @ApiProperty({ ...ADDRESS, description: 'The client address of the login. Null when unknown' })
  createdFromAddress: string | null;

  @ApiProperty(userAgent('the login'))
  userAgent: string | null;

  @ApiProperty({
    type: 'array',
    items: { type: 'string', maxLength: 8 },
    maxItems: 4,
    example: ['pwd', 'otp'],
    description: 'How the login was proven (RFC 8176), as its access tokens carry it',
  })
  amr: string[];

  @ApiProperty({ enum: [ACR_MFA, ACR_PHISHING_RESISTANT], description: 'The acr its access tokens carry' })
  acr: string;
}

export class DeviceDto implements ListedDevice {
  @ApiProperty(UUID)
  id: string;

  @ApiProperty({ description: 'The device the current session logged in with' })
  current: boolean;

  @ApiProperty({ ...ISO_DATE_TIME, description: 'Its first full login' })
  createdAt: string;

  @ApiProperty({ ...ISO_DATE_TIME, description: 'Its last full login' })
  lastUsedAt: string;

  @ApiProperty(userAgent("the device's last full login"))
  userAgent: string | null;
}
