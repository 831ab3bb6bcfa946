import { ApiProperty } from '@nestjs/swagger';

/** 32 bytes in base64url: a P-256 coordinate, or a SHA-256 thumbprint. */
const BASE64URL_32_BYTES = { pattern: '^[A-Za-z0-9_-]{43}$', minLength: 43, maxLength: 43 } as const;

/** One public access-token verification key (RFC 7517), for the OpenAPI document. */
export class PublicJwkDto {
  @ApiProperty({ enum: ['EC'] })
  kty: string;

  @ApiProperty({ enum: ['P-256'] })
  crv: string;

  @ApiProperty({ ...BASE64URL_32_BYTES, description: 'P-256 x coordinate' })
  x: string;

  @ApiProperty({ ...BASE64URL_32_BYTES, description: 'P-256 y coordinate' })
  y: string;

  @ApiProperty({
    ...BASE64URL_32_BYTES,
    description: 'Matches the kid header of access tokens (the SHA-256 thumbprint of the key)',
  })
  kid: string;

  @ApiProperty({ enum: ['ES256'] })
  alg: string;

  @ApiProperty({ enum: ['sig'] })
  use: string;
}

export class JwksDto {
  @ApiProperty({
    type: [PublicJwkDto],
    description: 'Empty with JWT_ALGORITHM=HS256: a shared secret is never published',
  })
  keys: PublicJwkDto[];
}
