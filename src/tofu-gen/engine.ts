import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { TofuGenError } from './errors';
import { hclIdentifier, hclList, hclNumber, hclString, hclValue, type HclValue } from './hcl';
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
  /** A literal: number, bool, string, null or a flat map of strings. */
  hclValue: (value: unknown) => hclValue(value as HclValue),
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

/** Template sources by name (`<name>.hbs` without the extension). */
export type TemplateSources = Readonly<Record<string, string>>;

/** Reads every `<name>.hbs` of `dir` at once; the default is the package's templates directory. */
export function readTemplates(dir: string = templatesDir()): TemplateSources {
  let entries: string[];
  try {
    entries = readdirSync(dir)
      .filter((f) => f.endsWith('.hbs'))
      .sort();
  } catch (e) {
    throw new TofuGenError(
      `cannot read the HCL templates in ${dir} (${(e as Error).message}); is "${TEMPLATES_DIR}" shipped with the package (package.json "files")?`,
    );
  }
  const sources: Record<string, string> = {};
  for (const file of entries) {
    const name = file.slice(0, -'.hbs'.length);
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new TofuGenError(`internal: bad template name ${JSON.stringify(file)} in ${dir}`);
    sources[name] = readFileSync(join(dir, file), 'utf8');
  }
  return sources;
}

/** The two compiler stages of a Handlebars instance, which its typings leave out. */
interface HandlebarsCompilers {
  readonly Compiler: new () => { compile(ast: hbs.AST.Program, options: CompileOptions): unknown };
  readonly JavaScriptCompiler: new () => {
    compile(environment: unknown, options: CompileOptions, context: undefined, asObject: true): TemplateSpecification;
  };
}

/**
 * The template function of `source`, compiled now. `hb.compile` defers the work to the first
 * render, so checking a template up front took a second, slower compile (`precompile`); these
 * are the steps `hb.compile` runs on first use (handlebars/dist/cjs/handlebars/compiler/compiler.js
 * `compileInput`), with its option defaults, run once.
 */
function compileNow(hb: typeof Handlebars, source: string): HandlebarsTemplateDelegate {
  const options: CompileOptions = { ...COMPILE_OPTIONS, data: true };
  const compilers = hb as unknown as HandlebarsCompilers;
  const environment = new compilers.Compiler().compile(hb.parse(source, options), options);
  return hb.template(new compilers.JavaScriptCompiler().compile(environment, options, undefined, true));
}

/**
 * A new engine with its own Handlebars instance over the given sources, each parsed and compiled
 * once, here, before anything renders: a syntax error or an unknown helper fails now, and
 * render() neither reads nor compiles anything.
 */
export function createEngine(sources: TemplateSources): TemplateEngine {
  const hb = Handlebars.create();
  for (const [name, fn] of Object.entries(HCL_HELPERS)) hb.registerHelper(name, fn);
  const compiled = new Map<string, HandlebarsTemplateDelegate>();
  for (const [name, source] of Object.entries(sources)) compiled.set(name, compileNow(hb, source));
  return {
    render(name, context) {
      const template = compiled.get(name);
      if (!template) throw new TofuGenError(`internal: no HCL template "${name}" (known: ${[...compiled.keys()].join(', ')})`);
      return template(context);
    },
  };
}

/**
 * The package's templates, read and compiled once when this module loads (the CLI loads the
 * commands inside its error handling, so a missing template is a clear error): rendering never
 * touches the disk.
 */
export const HCL_TEMPLATES: TemplateEngine = createEngine(readTemplates());
