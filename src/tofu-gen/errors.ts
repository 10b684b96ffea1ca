import { JoinkeyError } from '../errors';

/** A value the HCL generator refuses to write: it would not survive as HCL, or would change meaning. */
export class TofuGenError extends JoinkeyError {
  constructor(message: string) {
    super(message);
    this.name = 'TofuGenError';
  }
}
