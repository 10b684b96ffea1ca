import { adopt, type AdoptResult } from '../../src/adopt';
import { passwordData } from '../../src/adopt/hcl-text';
import { inventoryRepos, publishedTrees, type HclParser, type Inventory, type RepoTrees } from '../../src/inventory';
import { evaluate } from '../../src/inventory/hcl';
import { moduleKind } from '../../src/inventory/identities';
import { moduleScope } from '../../src/inventory/tofu';
import { liveInputs } from '../../src/live';
import { loadModel } from '../../src/model';
import type { Model } from '../../src/model/model';
import { DOCS_REPO } from '../../src/model/names';
import { PASSWORD_ARGUMENTS } from '../../src/model/random-password';
import { renderTree } from '../../src/render';

/**
 * The live objects a set of repos declares, as plain comparable data, read through the inventory
 * (and the change plan's instance expansion for arguments): what `joinkey adopt` must keep.
 */
export interface LiveFacts {
  /** `Kind namespace/name`, one per Kubernetes object whose kind and name are known (`<applier>` for the applier's namespace). */
  readonly objects: readonly string[];
  /** Per VSO object: its Vault side and destination Secret. */
  readonly vso: Readonly<Record<string, string>>;
  /** `kind name` of every Vault and PostgreSQL object a resource or module call manages. */
  readonly identities: readonly string[];
  /** `<mount>/<path>#<KEY>` -> the random_password arguments of the key's password (meta-arguments and arguments at the provider's value left out). */
  readonly passwords: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Per app_roles call: name, bound SAs and namespaces beyond the app, database (null without). */
  readonly appRoles: Readonly<Record<string, string>>;
}

const sortedUnique = (xs: Iterable<string>) => [...new Set(xs)].sort();

export async function liveFacts(trees: RepoTrees, parser: HclParser, inventory?: Inventory): Promise<LiveFacts> {
  const inv = inventory ?? (await inventoryRepos(trees, { parser }));
  const vso: Record<string, string> = {};
  const objects: string[] = [];
  for (const o of inv.objects) {
    if (o.name === undefined) continue;
    const id = `${o.kind} ${o.namespace ?? '<applier>'}/${o.name}`;
    objects.push(id);
    if (o.vso) {
      const v = o.vso;
      vso[id] = [
        v.mount !== undefined || v.path !== undefined ? `reads ${v.mount}/${v.path}` : '',
        v.destination?.name ? `-> Secret ${v.destination.name}` : '',
        v.vaultAuthRef ? `as ${v.vaultAuthRef}` : '',
        v.method ? `${v.method}@${v.mount} role ${v.kubernetesRole ?? '<templated>'} sa ${v.serviceAccount}` : '',
      ]
        .filter(Boolean)
        .join(' ');
    }
  }
  const live = await liveInputs(inv, trees, { parser });
  const args = new Map(live.resources.map((r) => [`${r.repo}/${r.module}/${r.address}`, r.args]));
  const passwords: Record<string, Record<string, unknown>> = {};
  for (const m of inv.modules.filter((x) => !x.child)) {
    const scope = moduleScope(m);
    for (const kv of m.resources.filter((r) => r.type === 'vault_kv_secret_v2')) {
      const data = passwordData(kv.body.data_json);
      if (!data) continue;
      const where = [await evaluate(parser, kv.body.mount, scope), await evaluate(parser, kv.body.name, scope)]
        .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
        .join('/');
      const refs =
        'all' in data
          ? (m.resources.find((r) => r.address === `random_password.${data.all}`)?.keys ?? []).map((k) => [k, `random_password.${data.all}["${k}"]`] as const)
          : [...data.entries].map(([k, ref]) => [k, `random_password.${ref.resource}${ref.key !== undefined ? `["${ref.key}"]` : ''}`] as const);
      for (const [key, address] of refs) {
        const a = { ...(args.get(`${m.repo}/${m.dir}/${address}`) ?? { missing: address }) };
        for (const meta of ['for_each', 'count', 'lifecycle']) delete a[meta];
        // an argument at the provider's value is no argument (keepers = null is no keepers, special = true is the default)
        for (const [k, v] of Object.entries(a)) if (v === null || PASSWORD_ARGUMENTS.some((p) => p.argument === k && p.unset === v)) delete a[k];
        passwords[`${where}#${key}`] = a;
      }
    }
  }
  const appRoles: Record<string, string> = {};
  for (const m of inv.modules.filter((x) => !x.child)) {
    const scope = moduleScope(m);
    for (const c of m.modules.filter((x) => moduleKind(x.source) === 'app_roles')) {
      const arg = async (name: string, unset: unknown) => (Object.hasOwn(c.args, name) ? await evaluate(parser, c.args[name], scope) : unset);
      const name = await arg('name', undefined);
      // the module's inputs with its defaults (variables.tf of app_roles): what the roles are made of
      appRoles[`${m.repo}/${m.dir}`] = JSON.stringify({
        name,
        serviceAccounts: await arg('service_account_names', []),
        namespaces: await arg('service_account_namespaces', []),
        database: (await arg('disable_database', false)) === true ? null : ((await arg('database', null)) ?? name),
      });
    }
  }
  return {
    objects: objects.sort(),
    vso,
    identities: sortedUnique(inv.identities.map((i) => `${i.kind} ${i.name}`)),
    passwords,
    appRoles,
  };
}

export interface Adopted {
  readonly result: AdoptResult;
  readonly model: Model;
  /** The render of the adopted apps.yaml, without the docs pseudo-repo. */
  readonly render: RepoTrees;
}

/** adopt, then load and render the apps.yaml it wrote, as synth would. */
export async function adoptAndRender(trees: RepoTrees, parser: HclParser, repoUrls?: ReadonlyMap<string, string>): Promise<Adopted> {
  const result = await adopt(trees, { parser, ...(repoUrls ? { repoUrls } : {}) });
  const { model } = loadModel('apps.yaml', result.text);
  const render = new Map([...renderTree(model)].filter(([repo]) => repo !== DOCS_REPO));
  return { result, model, render };
}

/** The repos as they are once the render lands beside the hand-written files (nothing removed yet). */
export const withRender = (trees: RepoTrees, render: RepoTrees) => publishedTrees(trees, render);

/** `render` plus the fixture's child modules (`.../modules/...`), so module calls of the render expand as in the repos. */
export function withChildModules(render: RepoTrees, trees: RepoTrees): RepoTrees {
  const out = new Map<string, Map<string, string>>();
  for (const [repo, files] of render) out.set(repo, new Map(files));
  for (const [repo, files] of trees)
    for (const [path, content] of files)
      if (/(^|\/)modules\//.test(path)) {
        if (!out.has(repo)) out.set(repo, new Map());
        out.get(repo)!.set(path, content);
      }
  return out;
}
