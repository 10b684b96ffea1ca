/**
 * Times the YAML readers apps.yaml could be read with, on the bench input of 10,000 apps
 * (bench/gen.ts, 80,000 lines): the loader's fast path (js-yaml 5 with a map tag of its own,
 * src/config/plain-yaml.ts), js-yaml 5 as it comes, `yaml` in its fastest and its positioned
 * configurations. Every reader must produce the same data. Readers alternate round by round, so a
 * busy machine slows them alike; bench/yaml-parsers.md records the numbers and the decision.
 *
 *   npx tsc -p tsconfig.json && node build/bench/yaml-parsers.js [apps] [runs]
 */
import { performance } from 'node:perf_hooks';
import * as jsYaml from 'js-yaml';
import * as yaml from 'yaml';
import { readAppsYaml } from '../src/config/load';
import { parsePlainYaml } from '../src/config/plain-yaml';
import { documentData, YAML_OPTIONS, YamlSource } from '../src/config/source';
import { appsYaml } from './gen';

const apps = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 9);
const text = appsYaml(apps);

const readers: Record<string, () => unknown> = {
  'parsePlainYaml (the fast path: js-yaml 5 CORE, own map tag)': () => parsePlainYaml(text),
  'JSON.parse of the same data (a floor)': (): unknown => JSON.parse(json) as unknown,
  'js-yaml 5 load, CORE_SCHEMA': (): unknown => jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA }),
  'js-yaml 5 load, JSON_SCHEMA': (): unknown => jsYaml.load(text, { schema: jsYaml.JSON_SCHEMA }),
  'yaml parse, core, uniqueKeys, keepSourceTokens false': (): unknown =>
    yaml.parse(text, { schema: 'core', uniqueKeys: true, keepSourceTokens: false, version: '1.2' }) as unknown,
  'yaml parse, core, uniqueKeys false': (): unknown => yaml.parse(text, { schema: 'core', uniqueKeys: false, version: '1.2' }) as unknown,
  'yaml Parser only (CST, no data)': () => [...new yaml.Parser().parse(text)].length,
  'yaml Parser + Composer (Document, no data)': () => [...new yaml.Composer(YAML_OPTIONS).compose(new yaml.Parser().parse(text))].length,
  'yaml parseDocument + toJS': (): unknown => yaml.parseDocument(text, YAML_OPTIONS).toJS() as unknown,
  "joinkey's yaml path (YamlSource + documentData)": () => documentData(new YamlSource('apps.yaml', text)),
  'readAppsYaml, whole (fast path + zod)': () => readAppsYaml('apps.yaml', text).raw,
};
const json = JSON.stringify(parsePlainYaml(text));

/** Same data: JSON text compares values, types and key order. */
const expected = json;
for (const [name, read] of Object.entries(readers)) {
  const value = read();
  if (typeof value === 'object' && JSON.stringify(value) !== expected) throw new Error(`${name} reads other data`);
}

const times: Record<string, number[]> = Object.fromEntries(Object.keys(readers).map((n) => [n, []]));
for (let r = 0; r < runs + 2; r++) {
  // Round-robin, so load on the machine slows every reader alike; the first two rounds warm up.
  for (const [name, read] of Object.entries(readers)) {
    const t0 = performance.now();
    read();
    const ms = performance.now() - t0;
    if (r >= 2) times[name]!.push(ms);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fast = median(times['parsePlainYaml (the fast path: js-yaml 5 CORE, own map tag)']!);
const lines = [
  `${apps} apps, ${text.split('\n').length - 1} lines, ${(text.length / 1024 / 1024).toFixed(1)} MiB; median of ${runs} runs (min-max), node ${process.version}`,
  '',
  '| reader | median ms | min-max ms | x plain reader |',
  '|---|---:|---:|---:|',
  ...Object.keys(readers).map((name) => {
    const xs = times[name]!;
    return `| ${name} | ${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)} | ${(median(xs) / fast).toFixed(1)} |`;
  }),
];
process.stdout.write(`${lines.join('\n')}\n`);
