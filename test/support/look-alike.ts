import { posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { RepoTrees } from '../../src/inventory';
import { OWNERSHIP_FILE } from '../../src/ownership';
import { printYaml, rng, shuffle, type Data, type Format } from './arbitraries';

/**
 * joinkey's render turned into files a person could have written: marker lines and ownership
 * lists gone, `.gen.` names gone, the VSO objects one file each (keys reordered, flow style and
 * comments as the format says) listed by a kustomization, an IaC project's files merged into one
 * main.tf with its blocks in another order, the central files merged into the hand-written
 * projects they sit in, the init-container patch referenced by a kustomization. `base` holds
 * the hand-written files the render lands among (central projects, modules).
 */
export function handWrittenLookAlike(render: RepoTrees, base: RepoTrees, fmt: Format): Map<string, Map<string, string>> {
  const rand = rng(fmt.seed ^ 0x5eed);
  const out = new Map<string, Map<string, string>>();
  for (const [repo, files] of base) out.set(repo, new Map(files));
  for (const [repo, files] of render) {
    const tree = out.get(repo) ?? new Map<string, string>();
    out.set(repo, tree);
    const append = (path: string, text: string) => tree.set(path, tree.has(path) ? `${tree.get(path)!.trimEnd()}\n\n${text}` : text);
    const iacProjects = new Map<string, string[]>();
    for (const [path, content] of files) {
      if (path === OWNERSHIP_FILE) continue;
      const body = content.slice(content.indexOf('\n') + 1);
      const dir = posix.dirname(path);
      const base = posix.basename(path);
      if (base === 'vso.gen.yaml') {
        const templated = dir.split('/').includes('templates');
        const names: string[] = [];
        for (const [i, doc] of parseAllDocuments(body).entries()) {
          const data = doc.toJSON() as { kind: string; metadata: { name: string; namespace: string } } & Data;
          const name = `${data.kind.toLowerCase()}-${data.metadata.namespace}-${data.metadata.name}.yaml`;
          // comments in a Helm templates dir could hold "{{": none there
          tree.set(posix.join(dir, name), printYaml(data, { ...fmt, seed: fmt.seed + i, comments: templated ? 0 : fmt.comments, crlf: false }));
          names.push(name);
        }
        if (!templated)
          append(
            posix.join(dir, 'kustomization.yaml'),
            `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${shuffle(names, rand)
              .map((n) => `  - ${n}\n`)
              .join('')}`,
          );
      } else if (base === 'add-initcontainer.gen.yaml') {
        tree.set(posix.join(dir, 'add-initcontainer.yaml'), body);
        const manifests = [...files.keys()].find((p) => p.endsWith('/vso.gen.yaml') && posix.dirname(posix.dirname(p)) === dir);
        const resources = manifests && !manifests.split('/').includes('templates') ? `resources:\n  - ${posix.basename(posix.dirname(manifests))}\n` : '';
        append(
          posix.join(dir, 'kustomization.yaml'),
          `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${resources}patches:\n  - path: add-initcontainer.yaml\n`,
        );
      } else if (base.endsWith('.gen.auto.tfvars')) {
        append(posix.join(dir, 'terraform.tfvars'), body.replace(/^#.*\n/gm, ''));
      } else if (base === 'consumers.gen.tf') {
        append(posix.join(dir, 'main.tf'), blocks(body, rand).join('\n\n'));
      } else if (base.endsWith('.gen.tf')) {
        iacProjects.set(dir, [...(iacProjects.get(dir) ?? []), ...blocks(body, rand)]);
      } else {
        tree.set(path.replace('.gen.', '.'), body);
      }
    }
    for (const [dir, bs] of iacProjects) append(posix.join(dir, 'main.tf'), shuffle(bs, rand).join('\n\n'));
  }
  return out;
}

/** The top-level blocks of generated HCL (each starts at column 0 after a blank line), without comments, in another order. */
function blocks(hcl: string, rand: () => number): string[] {
  const text = hcl.replace(/^#.*\n/gm, '');
  const out: string[] = [];
  let current: string[] = [];
  for (const line of text.split('\n')) {
    if (/^[a-z]/.test(line) && current.length) {
      out.push(current.join('\n').trim());
      current = [];
    }
    current.push(line);
  }
  if (current.join('').trim()) out.push(current.join('\n').trim());
  return shuffle(out, rand).map((b) => b.replace(/ {2,}=/g, ' ='));
}
