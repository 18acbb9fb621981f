import { ValidationError } from '../errors/errors';

/** PUT /…/{id} carries the id twice; they must agree, or the body would silently rename the resource. */
export function assertBodyIdMatchesPath(bodyId: string, pathId: string): void {
  if (bodyId !== pathId) {
    throw new ValidationError(`body id "${bodyId}" does not match the path id "${pathId}"`, [{ path: 'id', message: `must equal the path id "${pathId}"` }]);
  }
}
