import type { Diagnostic } from '../errors';
import type { Inventory, KubeObject, LiveIdentity, Location, TofuModule } from './types';

/**
 * Conflicts between what the repos declare, each a finding at one side with the other side as
 * `related`. The finding sits on the generated side when there is one (that is what joinkey
 * adds), and its message says which side to remove.
 */

export interface RelatedLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface LiveFinding extends Diagnostic {
  readonly rule: LiveRule;
  readonly related: RelatedLocation;
  /** One side is a generated file: the conflict comes with joinkey's render (else it was in the repos already). */
  readonly generated: boolean;
}

/** Every rule id, with what it finds. */
export const LIVE_RULES = {
  'live-duplicate-object': 'the same Kubernetes object (API group, kind, namespace, name) declared in two files',
  'live-duplicate-destination': 'two VSO objects writing one destination Secret (namespace, name)',
  'live-duplicate-backend': 'two backend (or cloud) blocks in one root module: tofu init fails',
  'live-duplicate-required-providers': 'two required_providers blocks in one module: tofu init fails ("Duplicate required providers configuration")',
  'live-duplicate-provider': 'two default (un-aliased) configurations of one provider, or one alias twice, in one module',
  'live-duplicate-module': 'two module calls with one label in one module',
  'live-duplicate-resource': 'two resources (or data sources) with one address in one module',
  'live-variable-overridden': 'a variable set by a hand-written tfvars file and by a generated one; the later file replaces the whole value',
  'live-duplicate-identity': 'one Vault or PostgreSQL object managed by two resources or module calls',
} as const;

export type LiveRule = keyof typeof LIVE_RULES;

/** `repo/path`, relative to a repos dir that holds one checkout per repo id. */
export const fileOf = (at: Location): string => `${at.repo}/${at.path}`;
const rel = (at: Location): RelatedLocation => ({ file: fileOf(at), line: at.line, col: at.col });
const where = (at: Location): string => `${fileOf(at)}:${at.line}:${at.col}`;

interface Side {
  readonly at: Location;
  readonly generated: boolean;
}

/** The finding goes on the generated side, related to the hand-written one; else on the later one. */
function orient<T extends Side>(a: T, b: T): [T, T] {
  if (a.generated !== b.generated) return a.generated ? [a, b] : [b, a];
  return compareLoc(a.at, b.at) <= 0 ? [b, a] : [a, b];
}

function compareLoc(a: Location, b: Location): number {
  return fileOf(a).localeCompare(fileOf(b)) || a.line - b.line || a.col - b.col;
}

/** What to do, given which sides are generated. */
function remedy(here: Side, there: Side, what: string): string {
  if (here.generated && !there.generated)
    return `remove ${what} from ${where(there.at)} (joinkey now generates it in ${fileOf(here.at)}), or keep the hand-written one and take it out of apps.yaml`;
  if (!here.generated && !there.generated) return `remove one of the two (keep ${where(there.at)} or ${where(here.at)})`;
  return 'both are generated: fix apps.yaml so that only one app produces it';
}

function finding(rule: LiveRule, here: Side, there: Side, message: string, severity: 'error' | 'warning' = 'error'): LiveFinding {
  return {
    file: fileOf(here.at),
    line: here.at.line,
    col: here.at.col,
    rule,
    severity,
    message,
    related: rel(there.at),
    generated: here.generated || there.generated,
  };
}

/** Pairs each later member of a group with its first member (sorted by position). */
function pairs<T extends Side>(group: readonly T[]): [T, T][] {
  const sorted = [...group].sort((a, b) => Number(a.generated) - Number(b.generated) || compareLoc(a.at, b.at));
  return sorted.slice(1).map((x) => [sorted[0]!, x]);
}

function groupBy<T>(items: Iterable<T>, key: (t: T) => string | undefined): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) {
    const k = key(i);
    if (k === undefined) continue;
    const list = m.get(k) ?? [];
    list.push(i);
    m.set(k, list);
  }
  return m;
}

const objectId = (o: KubeObject): string => `${o.group ? `${o.group}/` : ''}${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

function kubeConflicts(objects: readonly KubeObject[]): LiveFinding[] {
  const out: LiveFinding[] = [];
  const named = objects.filter((o) => o.name !== undefined && !o.unknown.includes('metadata.name'));
  const placed = named.filter((o) => o.namespaceSource !== 'apply' && !o.unknown.includes('metadata.namespace'));
  const note = (o: KubeObject): string => {
    const parts: string[] = [];
    if (o.unlistedBeside) parts.push(`${fileOf(o.at)} is not listed in ${o.at.repo}/${o.unlistedBeside}, so kustomize and Argo CD do not apply it until it is`);
    if (o.conditions.length) parts.push(`${fileOf(o.at)} declares it only when {{ ${o.conditions.join(' }} and {{ ')} }}`);
    return parts.length ? ` (${parts.join('; ')})` : '';
  };
  for (const [, group] of groupBy(placed, (o) => `${o.group}|${o.kind}|${o.namespace ?? ''}|${o.name}`)) {
    for (const [first, other] of pairs(group)) {
      if (fileOf(first.at) === fileOf(other.at) && first.at.line === other.at.line) continue;
      const [here, there] = orient(first, other);
      // two kustomize builds (say overlays/dev and overlays/prod) may go to two clusters
      const roots = [here.kustomizations[0], there.kustomizations[0]];
      const separate = roots[0] !== undefined && roots[1] !== undefined && roots[0] !== roots[1];
      const builds = separate
        ? ` (built by two kustomizations, ${here.at.repo}/${roots[0]} and ${there.at.repo}/${roots[1]}: a conflict when both are applied to one cluster)`
        : '';
      out.push(
        finding(
          'live-duplicate-object',
          here,
          there,
          `${objectId(here)} is also declared at ${where(there.at)}; ${remedy(here, there, 'that object')}${note(here)}${note(there)}${builds}`,
          separate ? 'warning' : 'error',
        ),
      );
    }
  }
  // an object whose namespace is the applier's collides with a same-named one when applied there
  const floating = named.filter((o) => o.namespaceSource === 'apply');
  for (const f of floating) {
    for (const o of named) {
      if (o === f || o.group !== f.group || o.kind !== f.kind || o.name !== f.name || fileOf(o.at) === fileOf(f.at)) continue;
      if (o.namespaceSource === 'apply' && compareLoc(o.at, f.at) < 0) continue; // one finding per pair
      const [here, there] = orient(f, o);
      const ns = o.namespace ?? f.namespace;
      out.push(
        finding(
          'live-duplicate-object',
          here,
          there,
          `${f.group ? `${f.group}/` : ''}${f.kind} ${f.name} at ${where(f.at)} takes the namespace it is applied in${ns ? `; applied in ${ns}` : ''}, it is the object declared at ${where(o.at)}; ${remedy(here, there, 'that object')}${note(here)}${note(there)}`,
          'warning',
        ),
      );
    }
  }
  // two VSO objects, one destination Secret
  const writers = placed.filter((o) => o.vso?.destination?.name !== undefined && !o.unknown.includes('spec.destination.name'));
  for (const [, group] of groupBy(writers, (o) => `${o.namespace}|${o.vso!.destination!.name}`)) {
    const distinct = [...groupBy(group, objectId).values()].map((g) => g[0]!);
    for (const [first, other] of pairs(distinct)) {
      const [here, there] = orient(first, other);
      out.push(
        finding(
          'live-duplicate-destination',
          here,
          there,
          `${objectId(here)} and ${objectId(there)} (${where(there.at)}) both write Secret ${here.namespace}/${here.vso!.destination!.name}: VSO lets only one owner sync it; ${remedy(here, there, `${objectId(there)}`)}${note(here)}${note(there)}`,
        ),
      );
    }
  }
  // a VSO object in the applier's namespace writes the same Secret once applied there
  const floatingWriters = named.filter(
    (o) => o.namespaceSource === 'apply' && o.vso?.destination?.name !== undefined && !o.unknown.includes('spec.destination.name'),
  );
  for (const f of floatingWriters) {
    for (const o of [...writers, ...floatingWriters]) {
      if (o === f || o.vso!.destination!.name !== f.vso!.destination!.name || fileOf(o.at) === fileOf(f.at)) continue;
      if (o.kind === f.kind && o.group === f.group && o.name === f.name) continue; // the same object: reported above
      if (o.namespaceSource === 'apply' && compareLoc(o.at, f.at) < 0) continue;
      const [here, there] = orient(f, o);
      out.push(
        finding(
          'live-duplicate-destination',
          here,
          there,
          `${objectId(f)} at ${where(f.at)} takes the namespace it is applied in and writes Secret ${f.vso!.destination!.name}, as ${objectId(o)} at ${where(o.at)} does${o.namespace ? ` in ${o.namespace}` : ''}: applied there, VSO lets only one owner sync it; ${remedy(here, there, objectId(there))}${note(here)}${note(there)}`,
          'warning',
        ),
      );
    }
  }
  return out;
}

function moduleConflicts(m: TofuModule): LiveFinding[] {
  const out: LiveFinding[] = [];
  const inModule = `root module ${m.repo}/${m.dir}`;
  for (const [first, other] of pairs(m.backends)) {
    const [here, there] = orient(first, other);
    out.push(
      finding(
        'live-duplicate-backend',
        here,
        there,
        `a second ${here.type === 'cloud' ? 'cloud block' : `backend "${here.type}"`} in ${inModule} (the other, ${there.type === 'cloud' ? 'a cloud block' : `backend "${there.type}"`}, is at ${where(there.at)}): tofu init accepts only one; ${remedy(here, there, 'that backend block')}`,
      ),
    );
  }
  for (const [first, other] of pairs(m.requiredProviders)) {
    const [here, there] = orient(first, other);
    out.push(
      finding(
        'live-duplicate-required-providers',
        here,
        there,
        `a second required_providers block in ${inModule}, also at ${where(there.at)}: tofu allows one per module ("Duplicate required providers configuration"); ${remedy(here, there, 'that required_providers block (keep the provider requirements in one place)')}`,
      ),
    );
  }
  for (const [key, group] of groupBy(m.providers, (p) => `${p.name}|${p.alias ?? ''}`)) {
    const alias = key.split('|')[1];
    for (const [first, other] of pairs(group)) {
      const [here, there] = orient(first, other);
      out.push(
        finding(
          'live-duplicate-provider',
          here,
          there,
          `a second ${alias ? `provider "${here.name}" with alias "${alias}"` : `default (un-aliased) provider "${here.name}" configuration`} in ${inModule}, also at ${where(there.at)}: tofu rejects duplicate provider configurations; ${remedy(here, there, 'that provider block')}`,
        ),
      );
    }
  }
  for (const [label, group] of groupBy(m.modules, (c) => c.label)) {
    for (const [first, other] of pairs(group)) {
      const [here, there] = orient(first, other);
      out.push(
        finding(
          'live-duplicate-module',
          here,
          there,
          `module "${label}" is called twice in ${inModule}, also at ${where(there.at)}: tofu rejects duplicate module calls; ${remedy(here, there, 'that module call')}`,
        ),
      );
    }
  }
  for (const [address, group] of groupBy(m.resources, (r) => r.address)) {
    for (const [first, other] of pairs(group)) {
      const [here, there] = orient(first, other);
      out.push(
        finding(
          'live-duplicate-resource',
          here,
          there,
          `${address} is declared twice in ${inModule}, also at ${where(there.at)}: tofu rejects duplicate addresses; ${remedy(here, there, 'that block')}`,
        ),
      );
    }
  }
  for (const [name, settings] of m.settings) {
    const hand = settings.filter((s) => !s.generated);
    const generated = settings.filter((s) => s.generated);
    if (!hand.length || !generated.length) continue;
    const winner = settings[settings.length - 1]!;
    for (const g of generated) {
      for (const h of hand) {
        const later = settings.indexOf(g) > settings.indexOf(h) ? g : h;
        const earlier = later === g ? h : g;
        const wins =
          later === winner
            ? `${fileOf(later.at)} is loaded after ${fileOf(earlier.at)} and silently replaces its whole value (tofu merges no maps)`
            : `${fileOf(later.at)} is loaded after ${fileOf(earlier.at)}, and ${fileOf(winner.at)} wins over both`;
        out.push(
          finding(
            'live-variable-overridden',
            g,
            h,
            `variable "${name}" is set here and by hand in ${where(h.at)}; ${wins}; move what ${fileOf(h.at)} sets into apps.yaml and delete "${name}" from it`,
          ),
        );
      }
    }
  }
  return out;
}

function identityConflicts(identities: readonly LiveIdentity[]): LiveFinding[] {
  const out: LiveFinding[] = [];
  const base = (address: string) => address.replace(/\[.*$/, '');
  for (const [, group] of groupBy(identities, (i) => `${i.kind}|${i.name}`)) {
    for (const [first, other] of pairs(group)) {
      // the same address twice in one module is reported as a duplicate resource or module
      if (first.module.repo === other.module.repo && first.module.dir === other.module.dir && base(first.address) === base(other.address)) continue;
      const [here, there] = orient(first, other);
      const managedBy = (i: LiveIdentity) => `${i.address} in ${i.module.repo}/${i.module.dir}${i.via ? ` (${i.via})` : ''}`;
      out.push(
        finding(
          'live-duplicate-identity',
          here,
          there,
          `${here.kind} ${here.name} is managed by ${managedBy(here)} and by ${managedBy(there)} at ${where(there.at)}: two states fighting over one live object, and a destroy in either deletes it; ${remedy(here, there, there.address)}`,
        ),
      );
    }
  }
  return out;
}

/** Every conflict in the inventory, sorted by file, line, column and rule. */
export function findLiveConflicts(inv: Inventory): LiveFinding[] {
  const out = [...kubeConflicts(inv.objects), ...inv.modules.flatMap(moduleConflicts), ...identityConflicts(inv.identities)];
  return out.sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.rule.localeCompare(b.rule) || a.message.localeCompare(b.message),
  );
}

/**
 * The files of each repo that take part in an error conflict, for publish to refuse that repo
 * naming them. Only conflicts that come with the render count unless `all` is set: a duplicate
 * the repos already held is check's to report, not a reason to hold back an unrelated change.
 */
export function conflictFilesByRepo(findings: readonly LiveFinding[], all = false): Map<string, string[]> {
  const byRepo = new Map<string, Set<string>>();
  for (const f of findings) {
    if (f.severity !== 'error' || (!all && !f.generated)) continue;
    for (const file of [f.file, f.related.file]) {
      const slash = file.indexOf('/');
      const repo = file.slice(0, slash);
      const set = byRepo.get(repo) ?? new Set();
      set.add(file.slice(slash + 1));
      byRepo.set(repo, set);
    }
  }
  return new Map([...byRepo].sort(([a], [b]) => a.localeCompare(b)).map(([r, s]) => [r, [...s].sort()]));
}
