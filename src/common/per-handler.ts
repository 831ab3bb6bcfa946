import type { ExecutionContext } from '@nestjs/common';

/**
 * Route metadata is fixed once the app has started, so the guards on the hot
 * path read it once per controller method instead of through reflection on
 * every request.
 */
export function perHandler<T>(compute: (context: ExecutionContext) => T): (context: ExecutionContext) => T {
  const byClass = new WeakMap<object, WeakMap<object, { value: T }>>();
  return (context) => {
    const controller = context.getClass();
    const handler = context.getHandler();
    let byHandler = byClass.get(controller);
    if (!byHandler) {
      byHandler = new WeakMap();
      byClass.set(controller, byHandler);
    }
    let entry = byHandler.get(handler);
    if (!entry) {
      entry = { value: compute(context) };
      byHandler.set(handler, entry);
    }
    return entry.value;
  };
}
