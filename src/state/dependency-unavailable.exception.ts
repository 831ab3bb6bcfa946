import { ServiceUnavailableException } from '@nestjs/common';

/**
 * A dependency that guards security decisions (the shared store, the
 * database) cannot be reached. The request is refused with 503 rather than
 * let through unchecked: fail closed.
 */
export class DependencyUnavailableException extends ServiceUnavailableException {
  constructor(dependency: string) {
    super(`A required service (${dependency}) is unavailable; try again shortly`);
  }
}
