import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from './error-response';

/** Every error a handler, pipe or guard raises leaves in the one error shape. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const response = toErrorResponse(exception, String(request.id));
    if (response.internal) {
      // The stack goes to the server log, keyed by request id; the client gets the id only.
      this.logger.error(
        `request ${request.id} failed`,
        exception instanceof Error ? exception.stack : String(exception),
      );
    } else if (response.body.statusCode === 503) {
      this.logger.warn(`request ${request.id}: ${response.body.message}`);
    }
    reply.headers(response.headers).status(response.body.statusCode).send(response.body);
  }
}
