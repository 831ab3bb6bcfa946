import { ApiProperty } from '@nestjs/swagger';

/** One public access-token verification key (RFC 7517), for the OpenAPI document. */
export class PublicJwkDto {
  @ApiProperty({ enum: ['EC'] })
  kty: string;

  @ApiProperty({ enum: ['P-256'] })
  crv: string;

  @ApiProperty()
  x: string;

  @ApiProperty()
  y: string;

  @ApiProperty({ description: 'Matches the kid header of access tokens' })
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
