import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../access/public.decorator';
import { HealthService } from './health.service';

/** A dependency that answers, in terminus's shape. */
const UP = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['up'] },
    responseTime: { type: 'number', minimum: 0, description: 'Milliseconds the probe took (some probes)' },
  },
};

/** The dependencies readiness checks: redis only with REDIS_URL, audit only with AUDIT_LOG_FILE. */
const DEPENDENCIES_UP = {
  type: 'object',
  required: ['database'],
  additionalProperties: false,
  properties: { database: UP, redis: UP, audit: UP },
};

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness (and, as before, a quick dependency probe): 200 `{ "status": "ok" }` or 503. */
  @Public()
  @Get()
  @ApiOperation({
    summary: 'Liveness: 200 when the database (and Redis, when configured) answer, else 503',
    description:
      'Public, for load balancers. Each dependency is probed at most once a second; the answer may be that old.',
  })
  @ApiOkResponse({
    schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
  })
  check() {
    return this.health.check();
  }

  /** Readiness for load balancers and orchestrators: per-dependency status (terminus), 503 when not ready. */
  @Public()
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness, per dependency (terminus); 503 naming the dependencies that are down',
    description:
      'Public, for orchestrators, and probed live. Lists the database, Redis when REDIS_URL is set and the audit log when ' +
      "AUDIT_LOG_FILE is set; the drivers' own error messages are never shown.",
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['status', 'info', 'error', 'details'],
      properties: {
        status: { type: 'string', enum: ['ok'] },
        info: DEPENDENCIES_UP,
        error: { type: 'object', additionalProperties: false, description: 'Empty: not ready is a 503' },
        details: DEPENDENCIES_UP,
      },
    },
  })
  ready() {
    return this.health.ready();
  }
}
