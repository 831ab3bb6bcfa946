import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../access/public.decorator';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness (and, as before, a quick dependency probe): 200 `{ "status": "ok" }` or 503. */
  @Public()
  @Get()
  @ApiOperation({ summary: 'Liveness: 200 when the database (and Redis, when configured) answer, else 503' })
  @ApiOkResponse({
    schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
  })
  check() {
    return this.health.check();
  }

  /** Readiness for load balancers and orchestrators: per-dependency status (terminus), 503 when not ready. */
  @Public()
  @Get('ready')
  @ApiOperation({ summary: 'Readiness, per dependency (terminus); 503 naming the dependencies that are down' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['ok'] },
        info: { type: 'object', additionalProperties: { type: 'object', properties: { status: { type: 'string' } } } },
        error: { type: 'object' },
        details: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { status: { type: 'string' } } },
        },
      },
    },
  })
  ready() {
    return this.health.ready();
  }
}
