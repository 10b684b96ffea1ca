import { formatDiagnostic, InputError } from '../../src/errors';
import { loadModel } from '../../src/model';

/** The FILE:LINE:COL diagnostics of loading `text` as apps.yaml; [] when it loads. Other errors propagate. */
export function diagnosticsOf(text: string, file = 'apps.yaml'): string[] {
  try {
    loadModel(file, text);
  } catch (e) {
    if (e instanceof InputError) return e.diagnostics.map(formatDiagnostic);
    throw e;
  }
  return [];
}
