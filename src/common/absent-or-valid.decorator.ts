import { ValidateIf } from 'class-validator';

/**
 * An optional field: left out, it is not validated; sent, it must be valid.
 * Unlike @IsOptional(), an explicit null is validated too (and refused), so
 * `{ "code": null }` is a 400, never a proof of value null handed to a
 * factor (where it would be a wrong code, counted toward the lockout).
 */
export const AbsentOrValid = (): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);
