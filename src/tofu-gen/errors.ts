import { InternalError } from '../errors';

/**
 * A value the HCL generator refuses to write: it would not survive as HCL, or would change meaning.
 * The loader and the rule layer refuse such input first, so reaching this is a bug (exit 70).
 */
export class TofuGenError extends InternalError {
  constructor(message: string) {
    super(message);
    this.name = 'TofuGenError';
  }
}
