import { Injectable } from '@nestjs/common';

@Injectable()
export class HealthService {
  /** Liveness: the process answers. Readiness checks belong to /health/ready. */
  check(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
