import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { ErrorBody } from '../common/error-response';

/** The one error shape (see toErrorResponse), as the document shows it for every error status. */
@ApiSchema({ name: 'ErrorResponse' })
export class ErrorResponseSchema implements ErrorBody {
  @ApiProperty({ example: 401 })
  statusCode: number;

  /** Node's reason phrases are at most 31 characters. */
  @ApiProperty({
    example: 'Unauthorized',
    pattern: "^[A-Za-z' -]+$",
    maxLength: 64,
    description: 'The reason phrase of the status code',
  })
  error: string;

  /**
   * At most 10 validation problems of at most 201 characters each, joined
   * by "; ", plus "; and N more" (src/common/error-response.ts).
   */
  @ApiProperty({
    example: 'Unauthorized',
    maxLength: 2048,
    description: 'What went wrong, for people; never a stack or internals',
  })
  message: string;

  @ApiProperty({
    format: 'uuid',
    maxLength: 36,
    description: 'Also sent as the X-Request-Id header: quote it when reporting a problem, it keys the server log',
  })
  requestId: string;
}
