import { describe, expect, test } from 'vitest';
import { readManifest } from '../src/inventory/kube';
import { inventoryRepoKube } from '../src/inventory/kustomize';
import { findLiveConflicts } from '../src/inventory';
import { maskTemplate } from '../src/inventory/template';
import { markerLine } from '../src/ownership';

/** The Kubernetes part of the inventory: plain YAML in every style, Helm templates, kustomize. */

const summary = (path: string, text: string) =>
  readManifest('r', path, text).objects.map((o) => ({
    kind: o.kind,
    name: o.name,
    namespace: o.namespace,
    line: o.at.line,
    col: o.at.col,
    unknown: o.unknown,
  }));

describe('plain YAML', () => {
  test('GIVEN block style with comments THEN kind, name, namespace and the position of the name', () => {
    const text = '# a comment\napiVersion: v1 # core\nkind: Secret\nmetadata:\n  # the name\n  name: s1\n  namespace: ns\n';
    expect(summary('a.yaml', text)).toEqual([{ kind: 'Secret', name: 's1', namespace: 'ns', line: 6, col: 9, unknown: [] }]);
  });

  test('GIVEN flow style and other key orders THEN the same object', () => {
    const flow = '{metadata: {namespace: ns, name: s1}, kind: Secret, apiVersion: v1}\n';
    expect(summary('a.yaml', flow)).toEqual([{ kind: 'Secret', name: 's1', namespace: 'ns', line: 1, col: flow.indexOf('s1') + 1, unknown: [] }]);
    expect(summary('a.yml', 'metadata:\n  name: "s1"\nkind: \'Secret\'\napiVersion: v1\n')).toEqual([
      { kind: 'Secret', name: 's1', namespace: undefined, line: 2, col: 9, unknown: [] },
    ]);
  });

  test('GIVEN multi-doc with empty docs and a non-object doc THEN only the objects, each at its own line', () => {
    const text =
      '---\n---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n---\nfoo: bar\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n...\n';
    const r = readManifest('r', 'm.yaml', text);
    expect(r.objects.map((o) => [o.name, o.at.line])).toEqual([
      ['one', 7],
      ['two', 14],
    ]);
    expect(r.other).toHaveLength(1);
    expect(r.unreadable).toEqual([]);
  });

  test('GIVEN a VSO object THEN its destination, auth ref, mount, path and role are read', () => {
    const vds =
      'apiVersion: secrets.hashicorp.com/v1beta1\nkind: VaultDynamicSecret\nmetadata: {name: x, namespace: n}\nspec:\n  role: r\n  mount: postgres\n  path: creds/x\n  vaultAuthRef: va\n  destination: {name: x-db, create: true, overwrite: false}\n';
    expect(readManifest('r', 'v.yaml', vds).objects[0]!.vso).toMatchObject({
      role: 'r',
      mount: 'postgres',
      path: 'creds/x',
      vaultAuthRef: 'va',
      destination: { name: 'x-db', create: true, overwrite: false },
    });
    const va =
      'kind: VaultAuth\napiVersion: secrets.hashicorp.com/v1beta1\nmetadata: {name: a}\nspec: {method: kubernetes, mount: k8s, vaultConnectionRef: conn, kubernetes: {role: app, serviceAccount: sa}}\n';
    expect(readManifest('r', 'v.yaml', va).objects[0]!.vso).toMatchObject({
      method: 'kubernetes',
      mount: 'k8s',
      kubernetesRole: 'app',
      serviceAccount: 'sa',
      vaultConnectionRef: 'conn',
    });
    const conn = 'apiVersion: secrets.hashicorp.com/v1beta1\nkind: VaultConnection\nmetadata: {name: default}\nspec: {address: "http://vault:8200"}\n';
    expect(readManifest('r', 'v.yaml', conn).objects[0]!.vso?.address).toBe('http://vault:8200');
  });

  test('GIVEN invalid YAML THEN the file is unreadable at the error, with the reason', () => {
    const r = readManifest('r', 'bad.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  name: b\n');
    expect(r.objects).toEqual([]);
    expect(r.unreadable).toHaveLength(1);
    expect(r.unreadable[0]!.at.line).toBe(5);
    expect(r.unreadable[0]!.reason).toMatch(/^is not valid YAML: Map keys must be unique/);
    const tabs = readManifest('r', 'bad.yaml', 'a: [1, 2\nb: c\n');
    expect(tabs.unreadable[0]!.reason).toMatch(/^is not valid YAML/);
  });

  test('GIVEN "{{" in a plain YAML file outside templates/ THEN it is data, not a template', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: sql}\ndata:\n  create: CREATE ROLE "{{name}}"\n';
    expect(readManifest('r', 'cm.yaml', text).objects[0]!.unknown).toEqual([]);
  });
});

describe('Go/Helm templates', () => {
  test('GIVEN actions in values THEN those fields are unknown and the rest is read', () => {
    const text =
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-x\n  namespace: {{ .Values.ns | quote }}\n  labels:\n    {{- include "labels" . | nindent 4 }}\ndata: {}\n';
    expect(summary('chart/templates/s.yaml', text)).toEqual([
      { kind: 'Secret', name: undefined, namespace: undefined, line: 1, col: 1, unknown: ['metadata.name', 'metadata.namespace'] },
    ]);
  });

  test("GIVEN namespace: {{ .Release.Namespace }} THEN it is the applier's namespace, not unknown", () => {
    const r = readManifest('r', 'c/templates/a.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n  namespace: {{ .Release.Namespace }}\n');
    expect(r.objects[0]).toMatchObject({ name: 'a', namespace: undefined, namespaceIsRelease: true, unknown: [] });
  });

  test('GIVEN an action in key position at the metadata level THEN name and namespace are unknown', () => {
    const text = 'apiVersion: v1\nkind: Secret\nmetadata:\n  {{ .Values.key }}: x\n  name: a\n';
    expect(summary('c/templates/a.yaml', text)[0]!.unknown).toEqual(['metadata.name', 'metadata.namespace']);
    const included = 'apiVersion: v1\nkind: Secret\nmetadata:\n  {{- include "meta" . | nindent 2 }}\n';
    expect(summary('c/templates/a.yaml', included)[0]!.unknown).toEqual(['metadata.name', 'metadata.namespace']);
  });

  test('GIVEN a whole document inside {{ if }} THEN it is read and marked conditional', () => {
    const text = '{{- if .Values.on }}\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n{{- end }}\n';
    expect(readManifest('r', 'c/templates/sa.yaml', text).objects[0]).toMatchObject({ name: 'sa', conditions: ['if .Values.on'], at: { line: 5 } });
  });

  test('GIVEN a field inside an inner {{ if }} THEN that field is unknown', () => {
    const text = 'apiVersion: v1\nkind: Secret\nmetadata:\n{{- if .Values.custom }}\n  name: custom\n{{- else }}\n  namespace: fixed\n{{- end }}\n';
    // both branches parse as one mapping: each field sits inside the block
    expect(summary('c/templates/s.yaml', text)[0]).toMatchObject({ name: undefined, namespace: undefined, unknown: ['metadata.name', 'metadata.namespace'] });
  });

  test('GIVEN objects in {{ range }}, a {{ define }}, or an apiVersion from values THEN they are unreadable or skipped, never guessed', () => {
    const ranged = readManifest(
      'r',
      'c/templates/r.yaml',
      '{{- range .Values.items }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .name }}\n{{- end }}\n',
    );
    expect(ranged.objects).toEqual([]);
    expect(ranged.unreadable[0]!.reason).toBe('repeated by "{{ range .Values.items }}": how many objects, and their names, depend on values');
    const defined = readManifest('r', 'c/templates/d.yaml', '{{- define "x" }}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n{{- end }}\n');
    expect(defined).toMatchObject({ objects: [], unreadable: [] });
    const kind = readManifest('r', 'c/templates/k.yaml', 'apiVersion: v1\nkind: {{ .Values.kind }}\nmetadata: {name: z}\n');
    expect(kind.unreadable[0]!.reason).toMatch(/apiVersion or kind is set by a template action/);
  });

  test('GIVEN an unclosed action or an unbalanced end THEN the file is unreadable with the reason', () => {
    expect(readManifest('r', 'c/templates/u.yaml', 'kind: {{ .x\n').unreadable[0]).toMatchObject({
      at: { line: 1, col: 7 },
      reason: 'Go template: a "{{" is never closed by "}}"',
    });
    expect(readManifest('r', 'c/templates/u.yaml', 'a: b\n{{ end }}\n').unreadable[0]!.reason).toBe('Go template: an "{{ end }}" closes no block');
    expect(readManifest('r', 'c/templates/u.yaml', '{{ if .a }}\na: b\n').unreadable[0]!.reason).toBe('Go template: "{{ if .a }}" has no "{{ end }}"');
  });

  test('GIVEN an output action that renders list items THEN the object is read, the fields it could set unknown', () => {
    const deploy = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      '  labels:',
      '    {{- include "labels" . | nindent 4 }}',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: web',
      '          env:',
      '            {{- include "env" . | nindent 12 }}',
      '            - name: A',
      '              value: b',
      '',
    ].join('\n');
    expect(summary('c/templates/d.yaml', deploy)).toEqual([{ kind: 'Deployment', name: 'web', namespace: undefined, line: 4, col: 9, unknown: [] }]);
    // a list-item action at the level of metadata's keys could set the name: unknown
    const shallow = deploy.replace('    {{- include "labels" . | nindent 4 }}', '  {{- include "meta" . | nindent 2 }}');
    expect(summary('c/templates/d.yaml', shallow)[0]).toMatchObject({ name: undefined, unknown: ['metadata.name', 'metadata.namespace'] });
  });

  test('GIVEN a template that is no YAML once masked THEN it is unreadable, not guessed', () => {
    const r = readManifest('r', 'c/templates/x.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\n    {{ .Values.bad }}: [\n');
    expect(r.objects).toEqual([]);
    expect(r.unreadable[0]!.reason).toMatch(/^is not YAML once its template actions are masked/);
  });

  test('masking keeps every line where it was, and quoted "}}" inside an action does not end it', () => {
    const src = 'a: {{ printf "}}" }}\n{{/* multi\nline */}}\nb: c\n';
    const m = maskTemplate(src);
    expect(m.text.split('\n')).toHaveLength(src.split('\n').length);
    expect(m.actions.map((a) => a.body)).toEqual(['printf "}}"', '/* multi\nline */']);
    expect(m.text.split('\n')[3]).toBe('b: c');
  });
});

describe('kustomize and the repo as a whole', () => {
  const files = (entries: Record<string, string>) => new Map(Object.entries(entries));

  test('GIVEN a kustomization listing a subdir, a missing file and a remote base THEN each is handled and reported', () => {
    const kube = inventoryRepoKube(
      'r',
      files({
        'app/kustomization.yaml': 'namespace: n\nresources:\n  - sub\n  - gone.yaml\n  - https://github.com/org/repo//base?ref=v1\n',
        'app/sub/kustomization.yaml': 'resources: [cm.yaml]\n',
        'app/sub/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n',
      }),
    );
    expect(kube.objects.map((o) => [o.name, o.namespace, o.namespaceSource, o.kustomizations])).toEqual([
      ['c', 'n', 'kustomization', ['app/kustomization.yaml', 'app/sub/kustomization.yaml']],
    ]);
    expect(kube.unreadable.map((u) => [u.at.line, u.reason])).toEqual([
      [4, 'gone.yaml is listed but is neither a file nor a directory with a kustomization in this repo'],
      [5, 'remote resource https://github.com/org/repo//base?ref=v1: not read'],
    ]);
  });

  test('GIVEN a file beside a kustomization that does not list it THEN it is read, marked unlisted', () => {
    const kube = inventoryRepoKube(
      'r',
      files({
        'd/kustomization.yaml': 'resources: [a.yaml]\n',
        'd/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
        'd/b.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n',
      }),
    );
    expect(kube.objects.map((o) => [o.name, o.unlistedBeside])).toEqual([
      ['a', undefined],
      ['b', 'd/kustomization.yaml'],
    ]);
  });

  test('GIVEN two files declaring one object, or two VSO objects with one destination THEN conflicts with both positions', async () => {
    const vss = (name: string, dest: string) =>
      `apiVersion: secrets.hashicorp.com/v1beta1\nkind: VaultStaticSecret\nmetadata: {name: ${name}, namespace: n}\nspec: {mount: kvv2, path: a/b, destination: {name: ${dest}, create: true}}\n`;
    const repo = files({
      'a.yaml': vss('one', 'secret-a'),
      'b.yml': `${markerLine('b.yml')}\n${vss('one', 'secret-b')}`,
      'c.yaml': vss('two', 'secret-a'),
      'd.yaml': vss('three', 'secret-d'),
    });
    const kube = inventoryRepoKube('r', repo);
    const findings = findLiveConflicts({ ...kube, modules: [], identities: [] });
    expect(findings.map((f) => [f.rule, `${f.file}:${f.line}`, `${f.related.file}:${f.related.line}`])).toEqual([
      ['live-duplicate-object', 'r/b.yml:4', 'r/a.yaml:3'],
      ['live-duplicate-destination', 'r/c.yaml:3', 'r/a.yaml:3'],
    ]);
    expect(findings[0]!.message).toContain('remove that object from r/a.yaml:3:18 (joinkey now generates it in r/b.yml)');
    expect(findings[1]!.message).toContain('both write Secret n/secret-a');
    expect(findings[1]!.message).toContain('remove one of the two');
    expect(findings.map((f) => f.generated)).toEqual([true, false]);
    const { conflictFilesByRepo } = await import('../src/inventory');
    expect(conflictFilesByRepo(findings)).toEqual(new Map([['r', ['a.yaml', 'b.yml']]]));
    expect(conflictFilesByRepo(findings, true)).toEqual(new Map([['r', ['a.yaml', 'b.yml', 'c.yaml']]]));
  });

  test("GIVEN a VSO object in the applier's namespace writing a Secret another one writes THEN a warning at both", () => {
    const vss = (name: string, ns: string | undefined, dest: string) =>
      `apiVersion: secrets.hashicorp.com/v1beta1\nkind: VaultStaticSecret\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}spec: {mount: kvv2, path: a/b, destination: {name: ${dest}, create: true}}\n`;
    const kube = inventoryRepoKube(
      'r',
      files({
        'chart/templates/a.yaml': vss('a', undefined, 'shared'),
        'b.yaml': vss('b', 'tools', 'shared'),
        'c.yaml': vss('c', 'tools', 'other'),
      }),
    );
    const f = findLiveConflicts({ ...kube, modules: [], identities: [] });
    expect(f.map((x) => [x.rule, x.file, x.related.file, x.severity])).toEqual([
      ['live-duplicate-destination', 'r/chart/templates/a.yaml', 'r/b.yaml', 'warning'],
    ]);
    expect(f[0]!.message).toContain('writes Secret shared, as secrets.hashicorp.com/VaultStaticSecret tools/b at r/b.yaml:4:9 does in tools');
  });

  test('GIVEN one object in two kustomize builds (overlays) THEN a warning; in one build THEN an error', () => {
    const cmIn = (ns: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ${ns}}\n`;
    const overlays = inventoryRepoKube(
      'r',
      files({
        'overlays/dev/kustomization.yaml': 'resources: [c.yaml]\n',
        'overlays/dev/c.yaml': cmIn('tools'),
        'overlays/prod/kustomization.yaml': 'resources: [c.yaml]\n',
        'overlays/prod/c.yaml': cmIn('tools'),
        'one/kustomization.yaml': 'resources: [a.yaml, b.yaml]\n',
        'one/a.yaml': cmIn('one'),
        'one/b.yaml': cmIn('one'),
      }),
    );
    const f = findLiveConflicts({ ...overlays, modules: [], identities: [] });
    expect(f.map((x) => [x.file, x.related.file, x.severity])).toEqual([
      ['r/one/b.yaml', 'r/one/a.yaml', 'error'],
      ['r/overlays/prod/c.yaml', 'r/overlays/dev/c.yaml', 'warning'],
    ]);
    expect(f[1]!.message).toContain('built by two kustomizations, r/overlays/prod/kustomization.yaml and r/overlays/dev/kustomization.yaml');
  });

  test('GIVEN the same name in different namespaces, groups or kinds THEN no conflict', () => {
    const obj = (apiVersion: string, kind: string, ns: string) => `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: x, namespace: ${ns}}\n`;
    const kube = inventoryRepoKube(
      'r',
      files({
        'a.yaml': obj('v1', 'Secret', 'a'),
        'b.yaml': obj('v1', 'Secret', 'b'),
        'c.yaml': obj('v1', 'ConfigMap', 'a'),
        'd.yaml': obj('example.com/v1', 'Secret', 'a'),
      }),
    );
    expect(findLiveConflicts({ ...kube, modules: [], identities: [] })).toEqual([]);
  });
});
