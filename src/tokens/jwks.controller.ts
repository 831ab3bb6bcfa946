import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../access/public.decorator';
import { JwksDto } from './dto/jwks.dto';
import { KeyRing } from './key-ring';

/**
 * Access-token verification keys for other services (RFC 7517). Pre-auth
 * keys are secret HMAC keys and never appear here; with HS256 the set is
 * empty, since a shared secret cannot be published.
 */
@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeyRing) {}

  @Public()
  @Get('jwks.json')
  // Public keys change only on rotation; verifiers may cache them briefly.
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'Public keys that verify access tokens (JWKS)',
    description:
      'The current ES256 key and, during a rotation, the previous ones (JWT_PREVIOUS_PUBLIC_KEY_FILES); empty with ' +
      'HS256. Cacheable for five minutes.',
  })
  @ApiOkResponse({ type: JwksDto })
  jwks() {
    return { keys: this.keys.publicJwks() };
  }
}
