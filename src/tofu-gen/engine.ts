import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { TofuGenError } from './errors';
import { hclIdentifier, hclList, hclNumber, hclString } from './hcl';
import { TEMPLATES_DIR, templatesDir } from './package-root';

/**
 * The Handlebars engine behind the HCL templates: a private `Handlebars.create()` instance (the
 * global one is never touched), with only the HCL value helpers registered. Templates compile in
 * strict mode (a missing field throws), without HTML escaping, and may call no helper but these
 * and the built-in block helpers.
 */

/** The value helpers, by name: every `{{...}}` that outputs a value must call one of them. */
export const HCL_HELPERS = {
  /** A quoted, escaped HCL string. */
  hcl: (value: unknown) => hclString(value as string),
  /** A one-line tuple of quoted, escaped strings. */
  hclList: (values: unknown) => hclList(values as readonly string[]),
  /** A whole number. */
  hclNumber: (value: unknown) => hclNumber(value as number),
  /** An HCL identifier (resource label or reference part), checked and written bare. */
  hclIdent: (value: unknown) => hclIdentifier(value as string),
} as const;

export type HclHelperName = keyof typeof HCL_HELPERS;

/** The built-in block helpers templates may use. */
export const BLOCK_HELPERS = ['each', 'if', 'unless', 'with'] as const;

export const COMPILE_OPTIONS: CompileOptions = {
  strict: true,
  noEscape: true,
  knownHelpersOnly: true,
  knownHelpers: Object.fromEntries(Object.keys(HCL_HELPERS).map((name) => [name, true])),
};

export interface TemplateEngine {
  render(name: string, context: object): string;
}

/** Reads `<name>.hbs`; the default reads from the package's templates directory. */
export type TemplateSource = (name: string) => string;

export function fileTemplateSource(dir: string = templatesDir()): TemplateSource {
  return (name) => {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new TofuGenError(`internal: bad template name ${JSON.stringify(name)}`);
    const file = join(dir, `${name}.hbs`);
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new TofuGenError(`cannot read the HCL template ${file} (${(e as Error).message}); is "${TEMPLATES_DIR}" shipped with the package (package.json "files")?`);
    }
  };
}

/** A new engine with its own Handlebars instance; each template compiles once, on first use. */
export function createEngine(source: TemplateSource = fileTemplateSource()): TemplateEngine {
  const hb = Handlebars.create();
  for (const [name, fn] of Object.entries(HCL_HELPERS)) hb.registerHelper(name, fn);
  const compiled = new Map<string, HandlebarsTemplateDelegate>();
  return {
    render(name, context) {
      let template = compiled.get(name);
      if (!template) {
        template = hb.compile(source(name), COMPILE_OPTIONS);
        compiled.set(name, template);
      }
      return template(context);
    },
  };
}

/** The package's engine, created on first use and kept in this closure. */
export const defaultEngine: () => TemplateEngine = (() => {
  let engine: TemplateEngine | undefined;
  return () => (engine ??= createEngine());
})();
