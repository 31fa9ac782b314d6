/**
 * Why a patch could not be applied. `malformed` patches are the client's syntax error (400); the others
 * are well-formed patches that do not apply to the object (422), as the API server distinguishes them.
 */
export class PatchError extends Error {
  constructor(
    message: string,
    readonly malformed: boolean,
  ) {
    super(message);
    this.name = 'PatchError';
  }
}
