// Why a request was refused, in the domain's words. The HTTP layer maps each kind to a status;
// nothing below it needs to know about HTTP.
export type RefusalKind = 'invalid' | 'not-found' | 'conflict' | 'refused';

export class Refusal extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

export const invalidInput = (message: string) => new Refusal('invalid', message);
export const notFound = (message: string) => new Refusal('not-found', message);
export const conflict = (message: string) => new Refusal('conflict', message);
export const refused = (message: string) => new Refusal('refused', message);
