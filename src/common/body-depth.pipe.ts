import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/** Far beyond any DTO here (the deepest is 1 level); a legitimate client never comes near it. */
export const MAX_BODY_DEPTH = 32;

/**
 * Refuses a body nested deeper than MAX_BODY_DEPTH before ValidationPipe
 * sees it: class-transformer walks nested arrays recursively, and a 16 KiB
 * body of `[[[[…]]]]` overflowed the stack (a 500, found by the contract fuzz,
 * test/contract-fuzz.e2e-spec.ts). The walk here is iterative and stops at
 * the first level too deep.
 */
@Injectable()
export class BodyDepthPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && tooDeep(value)) {
      throw new BadRequestException(`Request body is nested too deeply (limit ${MAX_BODY_DEPTH} levels)`);
    }
    return value;
  }
}

function tooDeep(root: unknown): boolean {
  const pending: Array<[unknown, number]> = [[root, 0]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) return true;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return false;
}
