import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { ErrorBody } from '../common/error-response';

/** The one error shape (see toErrorResponse), as the document shows it for every error status. */
@ApiSchema({ name: 'ErrorResponse' })
export class ErrorResponseSchema implements ErrorBody {
  @ApiProperty({ example: 401 })
  statusCode: number;

  @ApiProperty({ example: 'Unauthorized', description: 'The reason phrase of the status code' })
  error: string;

  @ApiProperty({ example: 'Unauthorized', description: 'What went wrong, for people; never a stack or internals' })
  message: string;

  @ApiProperty({
    format: 'uuid',
    description: 'Also sent as the X-Request-Id header: quote it when reporting a problem, it keys the server log',
  })
  requestId: string;
}
