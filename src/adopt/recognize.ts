import { posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { evaluate, UNKNOWN, type HclParser } from '../inventory/hcl';
import { moduleKind } from '../inventory/identities';
import { maskTemplate } from '../inventory/template';
import { moduleScope } from '../inventory/tofu';
import type { Inventory, KubeObject, Location, RepoTrees, TofuModule, TofuResource } from '../inventory/types';
import { DEFAULTS } from '../model/defaults';
import * as names from '../model/names';
import { PASSWORD_ARGUMENTS } from '../model/random-password';
import { eachValueAttribute, objectTypeAttributes, passwordData, policyRules, referenceOf, type PasswordRef } from './hcl-text';
import { APPLIER_NAMESPACE_REVIEW, type AdoptFinding, type AdoptRule, type Superseded } from './types';

/**
 * The join-key objects of hand-written repos, as drafts of apps.yaml entries: the central
 * `applications` maps, the app_roles calls with their backends, random_password -> kv pairs, VSO
 * objects and init-container patches, consumer policy + role pairs. Existing names and values
 * win: a value that differs from joinkey's derivation becomes an override field, never a rename.
 * Pure but for the injected HCL parser.
 */

export interface GenerateDraft {
  readonly key: string;
  /** The hand-written instance address of its password, e.g. `random_password.secret_key_base`. */
  readonly from: string;
  /** apps.yaml options (only those that differ from the provider's defaults, length always). */
  readonly options: Readonly<Record<string, number | boolean | string>>;
}

export interface SecretDraft {
  objectName?: string;
  secretName?: string;
  serviceAccount?: string;
  namespace?: string;
  generate?: GenerateDraft[];
}

export interface DatabaseDraft {
  name?: string;
  restart: string[];
  urlEnv?: string;
  urlContainer?: string;
  objectName?: string;
  secretName?: string;
}

export interface AppDraft {
  readonly name: string;
  /** Where the app was first found (its key in the applications map, or its app_roles call). */
  readonly at: Location;
  /** `repo/path` of every file something of the app was read from. */
  readonly sources: Set<string>;
  /** Comments written above the app in apps.yaml. */
  readonly notes: string[];
  repo?: string;
  manifests?: string;
  iac?: string;
  namespace?: string;
  readonly namespaces: Set<string>;
  readonly serviceAccounts: Set<string>;
  readonly opsPolicies: Set<string>;
  database: boolean | DatabaseDraft;
  readonly secrets: Map<string, SecretDraft>;
  readonly writes: Set<string>;
  readonly vaultAuthNames: Map<string, string>;
  statePrefix?: string;
  handWrittenBackend?: boolean;
}

export interface ConsumerDraft {
  readonly name: string;
  readonly at: Location;
  readonly sources: Set<string>;
  readonly notes: string[];
  readonly serviceAccount: string;
  readonly namespace: string;
  readonly reads: string[];
}

export interface PlatformDraft {
  readonly repos: readonly string[];
  readonly vault: Record<string, unknown>;
  readonly central: { vault?: { repo: string; dir: string }; postgres?: { repo: string; dir: string } };
  readonly stateBucket?: string;
  readonly postgres: { host?: string; port?: number };
  readonly apps: Map<string, AppDraft>;
  readonly consumers: Map<string, ConsumerDraft>;
  readonly findings: AdoptFinding[];
  readonly superseded: Superseded[];
}

type Body = Readonly<Record<string, unknown>>;
/** Records a finding. */
type Say = (at: Location, rule: AdoptRule, message: string) => void;
/** Records a hand-written declaration the render supersedes. */
type Take = (at: Location, kind: Superseded['kind'], what: string, owner: string, moves?: Superseded['moves']) => void;
/** A value read from HCL, as a message shows it. */
const shownValue = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null'));
const MOUNTS = DEFAULTS.vault.mounts;
const GENERATED_SECRETS_MOUNT = '/generated-secrets';

export async function recognize(trees: RepoTrees, inventory: Inventory, parser: HclParser): Promise<PlatformDraft> {
  const findings: AdoptFinding[] = [];
  const superseded: Superseded[] = [];
  const say: Say = (at, rule, message) => findings.push({ at, rule, message });
  const take: Take = (at, kind, what, owner, moves) => superseded.push({ at, kind, what, owner, ...(moves?.length ? { moves } : {}) });
  const apps = new Map<string, AppDraft>();
  const consumers = new Map<string, ConsumerDraft>();
  const central: PlatformDraft['central'] = {};
  const vault: Record<string, unknown> = {};
  const postgres: PlatformDraft['postgres'] = {};
  const src = (at: Location) => `${at.repo}/${at.path}`;
  const text = (repo: string, path: string) => trees.get(repo)?.get(path) ?? '';
  const appOf = (name: string, at: Location): AppDraft => {
    let a = apps.get(name);
    if (!a) {
      a = {
        name,
        at,
        sources: new Set(),
        notes: [],
        namespaces: new Set(),
        serviceAccounts: new Set(),
        opsPolicies: new Set(),
        database: true,
        secrets: new Map(),
        writes: new Set(),
        vaultAuthNames: new Map(),
      };
      apps.set(name, a);
    }
    a.sources.add(src(at));
    return a;
  };
  const parsed = new Map<string, Record<string, unknown> | undefined>();
  const parseFile = async (repo: string, path: string) => {
    const k = `${repo}\u0000${path}`;
    if (!parsed.has(k)) parsed.set(k, await parser.parse(posix.basename(path), text(repo, path)).catch(() => undefined));
    return parsed.get(k);
  };
  const roots = inventory.modules.filter((m) => !m.child && !m.files.every((f) => /\.gen\./.test(f)));

  // ---- the central applications map (app_policy for_each) ----
  for (const m of roots) {
    for (const call of m.modules) {
      if (moduleKind(call.source) !== 'app_policy' || call.generated) continue;
      const forVar = /^\$\{var\.([A-Za-z_][\w-]*)\}$/.exec(shownValue(call.args.for_each ?? ''))?.[1];
      const setting = forVar ? m.settings.get(forVar)?.at(-1) : undefined;
      const map = setting?.value;
      if (!forVar || !setting || typeof map !== 'object' || map === null || Array.isArray(map)) {
        say(
          call.at,
          'adopt-unmapped',
          `module.${call.label} calls app_policy, but not with for_each over a variable set in a tfvars file; adopt reads the applications map only that way`,
        );
        continue;
      }
      central.vault = { repo: m.repo, dir: m.dir };
      // the generated map (a platform joinkey already took over) is read, never handed over again
      if (!setting.generated) take(setting.at, 'tfvars-setting', forVar, '(central)');
      const declared = await variableAttributes(m, forVar, parseFile);
      /** each.value attribute -> the app_policy input it feeds */
      const feeds = new Map<string, string>();
      for (const [input, expr] of Object.entries(call.args)) {
        const attr = eachValueAttribute(expr);
        if (attr) feeds.set(attr, input);
      }
      const field: Record<string, 'serviceAccounts' | 'namespaces' | 'opsPolicies'> = {
        service_account_names: 'serviceAccounts',
        service_account_namespaces: 'namespaces',
        ops_policies: 'opsPolicies',
      };
      for (const [app, entry] of Object.entries(map as Record<string, unknown>)) {
        const at = locate(setting.at, text(setting.at.repo, setting.at.path), app);
        const draft = appOf(app, at);
        for (const [attr, value] of Object.entries((entry ?? {}) as Record<string, unknown>)) {
          const attrAt = locate(at, text(at.repo, at.path), attr);
          let input = declared === undefined || declared.has(attr) ? feeds.get(attr) : undefined;
          const list = Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
          if (
            input === undefined &&
            declared !== undefined &&
            !declared.has(attr) &&
            Object.hasOwn(call.args, attr) &&
            feeds.has(eachValueAttribute(call.args[attr]) ?? '')
          ) {
            // the guidebook's gotcha: the key is the module input's name, the object type calls it otherwise
            input = attr;
            const to = eachValueAttribute(call.args[attr]);
            if (attr === 'ops_policies' && list)
              say(
                attrAt,
                'adopt-review',
                `applications["${app}"] sets "${attr}", which the object type of var.${forVar} does not declare (it declares "${to}"), so tofu drops it and ${names.ciRoleName(app)} lacks ${list.join(', ')} today; adopt keeps the intent as opsPolicies, so the first apply adds ${list.length === 1 ? 'that policy' : 'those policies'} to ${names.ciRoleName(app)}: a live change to review`,
              );
            draft.notes.push(
              `opsPolicies: terraform.tfvars set them as "${attr}", which tofu dropped; adopting adds them to ${names.ciRoleName(app)} (a live change)`,
            );
          }
          const to = input ? field[input] : undefined;
          if (!to || !list) {
            say(
              attrAt,
              'adopt-unmapped',
              `applications["${app}"].${attr} is not an app_policy input apps.yaml can express (service_account_names, service_account_namespaces, ops_policies); it stays hand-written`,
            );
            continue;
          }
          for (const v of list) draft[to].add(v);
        }
      }
    }
  }

  // ---- the central postgres map (postgresql_role for_each) ----
  for (const m of roots) {
    const role = m.resources.find((r) => r.type === 'postgresql_role' && r.forEach && !r.generated);
    if (!role) continue;
    const forVar = /^\$\{var\.([A-Za-z_][\w-]*)\}$/.exec(shownValue(role.body.for_each ?? ''))?.[1];
    const setting = forVar ? m.settings.get(forVar)?.at(-1) : undefined;
    const map = setting?.value;
    if (!setting || typeof map !== 'object' || map === null || setting.generated) {
      if (setting?.generated !== true)
        say(role.at, 'adopt-unmapped', `${role.address} has for_each over something adopt cannot read from a tfvars file; it stays hand-written`);
      continue;
    }
    central.postgres = { repo: m.repo, dir: m.dir };
    take(setting.at, 'tfvars-setting', forVar!, '(central)');
    for (const [app, entry] of Object.entries(map as Record<string, unknown>)) {
      const at = locate(setting.at, text(setting.at.repo, setting.at.path), app);
      const draft = appOf(app, at);
      const e = (entry ?? {}) as Record<string, unknown>;
      if (e.role !== names.pgRoleName(app)) {
        say(
          at,
          'adopt-unmapped',
          `the PostgreSQL role of "${app}" is ${JSON.stringify(e.role)}, but the app_roles module grants ${names.pgRoleName(app)}; apps.yaml cannot name it otherwise, so this entry stays hand-written`,
        );
        continue;
      }
      const db: DatabaseDraft = typeof draft.database === 'object' ? draft.database : { restart: [] };
      if (typeof e.database === 'string' && e.database !== app) db.name = e.database;
      draft.database = db;
    }
  }
  for (const a of apps.values()) if (central.postgres && a.database === true) a.database = false;
  if (!central.postgres && central.vault) {
    const setting = roots.find((m) => m.repo === central.vault!.repo && m.dir === central.vault!.dir)!;
    const at = setting.modules.find((c) => moduleKind(c.source) === 'app_policy')!.at;
    say(
      at,
      'adopt-conflict',
      "no central PostgreSQL project was found (a postgresql_role with for_each over a tfvars map, like factory's postgres/iac), so adopt cannot say which apps have a database; add that repo's checkout to the repos read",
    );
  }

  // ---- per-app IaC projects: the app_roles call, backend, vault provider, generated secrets ----
  const appBuckets = new Map<AppDraft, { bucket: string; take: () => void; keep: (why: string, at: Location) => void }>();
  for (const m of roots) {
    const call = m.modules.find((c) => moduleKind(c.source) === 'app_roles' && !c.generated);
    if (!call) continue;
    const name = typeof call.args.name === 'string' && !call.args.name.includes('${') ? call.args.name : undefined;
    if (!name || !names.isDns1123Label(name)) {
      say(
        call.at,
        'adopt-unmapped',
        `module.${call.label}: its name is ${name === undefined ? 'not a literal' : `"${name}", not a DNS-1123 label`}; an app name must be one, so this project stays hand-written`,
      );
      continue;
    }
    const app = appOf(name, call.at);
    if (app.iac !== undefined) {
      say(call.at, 'adopt-conflict', `app "${name}" has a second app_roles call (the first is in ${app.repo}/${app.iac}); keep one and adopt again`);
      continue;
    }
    app.repo = m.repo;
    app.iac = m.dir;
    take(
      call.at,
      'tofu-block',
      `module.${call.label}`,
      name,
      call.label === names.APP_ROLES_MODULE_LABEL ? [] : [{ from: `module.${call.label}`, to: names.tofuAddress('module', names.APP_ROLES_MODULE_LABEL) }],
    );
    if (call.label !== names.APP_ROLES_MODULE_LABEL)
      app.notes.push(`module.${call.label} becomes module.${names.APP_ROLES_MODULE_LABEL} (a moved block keeps its state)`);
    if (call.source) {
      if (vault.appRolesModule === undefined) vault.appRolesModule = call.source;
      else if (vault.appRolesModule !== call.source)
        say(
          call.at,
          'adopt-review',
          `module.${call.label} uses source ${call.source}, the other apps ${shownValue(vault.appRolesModule)}; apps.yaml has one (vault.appRolesModule), so this call's source changes`,
        );
    }
    for (const [arg, value] of Object.entries(call.args)) {
      if (arg === 'source' || arg === 'name') continue;
      const list = Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
      if (arg === 'service_account_names' && list) list.forEach((v) => app.serviceAccounts.add(v));
      else if (arg === 'service_account_namespaces' && list) list.forEach((v) => app.namespaces.add(v));
      else if (arg === 'disable_database' && typeof value === 'boolean') {
        if (value) app.database = false;
      } else if (arg === 'database' && typeof value === 'string') {
        if (value !== name) {
          const db: DatabaseDraft = typeof app.database === 'object' ? app.database : { restart: [] };
          db.name = value;
          app.database = db;
        }
      } else
        say(
          call.at,
          'adopt-unmapped',
          `module.${call.label} sets ${arg}, which apps.yaml cannot express; adopt leaves the call hand-written in spirit: review ${arg} after adopting`,
        );
    }
    if (call.args.disable_database !== true && app.database === false) {
      say(
        call.at,
        'adopt-review',
        `app "${name}" has a Vault database role (app_roles without disable_database) but no entry in the central PostgreSQL map; apps.yaml gives it a database, which adds ${names.pgRoleName(name)} and its database`,
      );
      app.database = { restart: [] };
    }

    await adoptBackend(m, app, parseFile, say, take, appBuckets);
    await adoptSecrets(m, app, parser, say, take);
    for (const r of m.resources)
      if (!r.generated && !superseded.some((s) => s.at === r.at) && !(r.type === 'vault_kv_secret_v2'))
        say(r.at, 'adopt-kept', `${r.address} is not a join-key object: it stays hand-written`);
  }
  // one state bucket for all generated projects: the one most of them use; the others keep their backend
  const counts = new Map<string, number>();
  for (const b of appBuckets.values()) counts.set(b.bucket, (counts.get(b.bucket) ?? 0) + 1);
  const bucket = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
  for (const [app, b] of appBuckets) {
    if (b.bucket === bucket) b.take();
    else {
      delete app.statePrefix;
      b.keep(`its state is in bucket ${b.bucket}, and the other projects' (state.bucket) in ${bucket}`, { repo: app.repo!, path: app.iac!, line: 1, col: 1 });
    }
  }

  // ---- consumers: a vault_policy + kubernetes auth role pair in the central Vault project ----
  if (central.vault) {
    const m = roots.find((x) => x.repo === central.vault!.repo && x.dir === central.vault!.dir)!;
    await adoptConsumers(m, parser, consumers, say, take, vault);
  }

  // ---- VSO objects and init-container patches ----
  adoptKube(trees, inventory, apps, say, take, vault, postgres);

  return {
    repos: [...trees.keys()].sort(),
    vault,
    central,
    ...(bucket !== undefined ? { stateBucket: bucket } : {}),
    postgres,
    apps,
    consumers,
    findings,
    superseded,
  };
}

/** The position of the first line at or after `from` that holds `word` as a key (`word =` or `"word" =`), else `from`. */
function locate(from: Location, content: string, word: string): Location {
  const lines = content.split('\n');
  const re = new RegExp(String.raw`^(\s*)"?${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\s*[=:]`);
  for (let i = from.line - 1; i < lines.length; i++) {
    const m = re.exec(lines[i]!);
    if (m) return { ...from, line: i + 1, col: m[1]!.length + 1 };
  }
  return from;
}

async function variableAttributes(
  m: TofuModule,
  variable: string,
  parseFile: (repo: string, path: string) => Promise<Record<string, unknown> | undefined>,
): Promise<ReadonlySet<string> | undefined> {
  const at = m.variables.get(variable)?.at;
  if (!at) return undefined;
  const doc = await parseFile(at.repo, at.path);
  const blocks = doc?.variable as Record<string, Body[]> | undefined;
  return objectTypeAttributes(blocks?.[variable]?.[0]?.type);
}

/** The first block of `name` in an hcl2json body (`terraform[0].backend[0].gcs[0]`). */
const first = (body: unknown, name: string): Body | undefined => {
  const v = (body as Body | undefined)?.[name];
  return Array.isArray(v) ? (v[0] as Body | undefined) : undefined;
};

async function adoptBackend(
  m: TofuModule,
  app: AppDraft,
  parseFile: (repo: string, path: string) => Promise<Record<string, unknown> | undefined>,
  say: Say,
  take: Take,
  buckets: Map<AppDraft, { bucket: string; take: () => void; keep: (why: string, at: Location) => void }>,
): Promise<void> {
  const backend = m.backends.find((b) => !b.generated);
  const vaultProvider = m.providers.find((p) => p.name === 'vault' && p.alias === undefined && !p.generated);
  const keep = (why: string, at: Location) => {
    app.handWrittenBackend = true;
    app.notes.push(`handWrittenBackend: ${why}`);
    say(at, 'adopt-kept', `the terraform block and the Vault provider of ${m.repo}/${m.dir} stay hand-written (handWrittenBackend: true): ${why}`);
  };
  if (!backend) return keep('it has no backend block', m.modules[0]?.at ?? { repo: m.repo, path: m.files[0] ?? m.dir, line: 1, col: 1 });
  let terraform: Body | undefined;
  let providerBody: Body | undefined;
  for (const f of m.files) {
    const doc = await parseFile(m.repo, f);
    if (f === backend.at.path) terraform = (doc?.terraform as Body[] | undefined)?.find((t) => t.backend !== undefined);
    if (vaultProvider && f === vaultProvider.at.path) providerBody = (doc?.provider as Record<string, Body[]> | undefined)?.vault?.[0];
  }
  // a labelled block: hcl2json gives `backend: { gcs: [ {...} ] }`
  const gcs = first(terraform?.backend, 'gcs');
  const required = Object.keys(first(terraform, 'required_providers') ?? {});
  const jwt = first(providerBody, 'auth_login_jwt');
  if (
    backend.type !== 'gcs' ||
    !gcs ||
    typeof gcs.bucket !== 'string' ||
    typeof gcs.prefix !== 'string' ||
    Object.keys(gcs).some((k) => k !== 'bucket' && k !== 'prefix')
  )
    return keep(
      `its backend is ${backend.type === 'gcs' ? 'a gcs backend with other settings than a literal bucket and prefix' : `"${backend.type}"`}, and joinkey renders a gcs backend`,
      backend.at,
    );
  const extra = required.filter((p) => p !== 'vault' && p !== 'random');
  if (extra.length) return keep(`its required_providers also list ${extra.join(', ')}, and a module has one required_providers block`, backend.at);
  if (Object.keys(terraform ?? {}).some((k) => k !== 'backend' && k !== 'required_providers'))
    return keep('its terraform block sets more than backend and required_providers', backend.at);
  if (!vaultProvider || !jwt || jwt.mount === undefined || Object.keys(providerBody ?? {}).some((k) => k !== 'auth_login_jwt'))
    return keep('its Vault provider does not log in with auth_login_jwt alone', vaultProvider?.at ?? backend.at);
  if (jwt.role !== names.ciRoleName(app.name))
    return keep(`its Vault provider logs in as ${JSON.stringify(jwt.role)}, not the app's CI role ${names.ciRoleName(app.name)}`, vaultProvider.at);
  if (typeof jwt.mount === 'string' && jwt.mount !== MOUNTS.jwt) app.notes.push(`vault.mounts.jwt: this project logs in at ${jwt.mount}`);
  if (gcs.prefix !== names.stateKeyPrefix(m.repo, app.name)) app.statePrefix = gcs.prefix;
  const blocks = [
    { at: backend.at, what: `terraform.backend "${backend.type}"` },
    ...m.requiredProviders.filter((r) => !r.generated).map((r) => ({ at: r.at, what: 'terraform.required_providers' })),
    { at: vaultProvider.at, what: 'provider.vault' },
  ];
  buckets.set(app, { bucket: gcs.bucket, take: () => blocks.forEach((b) => take(b.at, 'tofu-block', b.what, app.name)), keep });
}

/** random_password -> vault_kv_secret_v2 pairs in the app's project become `generate:`; other kv writes inside its space `writes:`. */
async function adoptSecrets(m: TofuModule, app: AppDraft, parser: HclParser, say: Say, take: Take): Promise<void> {
  const scope = moduleScope(m);
  const passwords = new Map(m.resources.filter((r) => r.type === 'random_password' && !r.generated).map((r) => [r.name, r]));
  for (const kv of m.resources.filter((r) => r.type === 'vault_kv_secret_v2' && !r.generated)) {
    const mount = await evaluate(parser, kv.body.mount, scope);
    const path = await evaluate(parser, kv.body.name, scope);
    if (typeof mount !== 'string' || typeof path !== 'string') {
      say(kv.at, 'adopt-unmapped', `${kv.address}: its mount or name is not known from the files; it stays hand-written`);
      continue;
    }
    if (!names.inKvSpace(app.name, path)) {
      say(kv.at, 'adopt-unmapped', `${kv.address} writes ${mount}/${path}, outside app "${app.name}"'s own space ${mount}/${app.name}/; it stays hand-written`);
      continue;
    }
    const rest = path.slice(names.kvSpace(app.name).length);
    const data = passwordData(kv.body.data_json);
    const keys = data === undefined ? undefined : await passwordKeys(data, passwords, parser, scope);
    if (!keys || 'problem' in keys) {
      if (keys) say(kv.at, 'adopt-unmapped', `${kv.address}: ${keys.problem}; it is inventoried as one of the app's writes and stays hand-written`);
      else
        say(kv.at, 'adopt-kept', `${kv.address} writes values that are not only random passwords; it stays hand-written, and apps.yaml lists it under writes`);
      app.writes.add(rest);
      continue;
    }
    if (
      !names.isDns1123Label(rest) ||
      Object.hasOwn(kv.body, 'data_json') === false ||
      Object.keys(kv.body).some((k) => !['mount', 'name', 'data_json'].includes(k))
    ) {
      say(
        kv.at,
        'adopt-unmapped',
        `${kv.address} writes generated passwords to ${mount}/${path}, but apps.yaml generates secrets at <app>/<secret> with mount, name and data_json only; it stays hand-written`,
      );
      app.writes.add(rest);
      continue;
    }
    if (mount !== MOUNTS.kv) app.notes.push(`vault.mounts.kv: ${kv.address} writes to mount ${mount}`);
    const secret = app.secrets.get(rest) ?? {};
    secret.generate = keys.generate;
    app.secrets.set(rest, secret);
    app.sources.add(`${kv.at.repo}/${kv.at.path}`);
    // the generated resources of one secret: random_password.<label>["<KEY>"] and vault_kv_secret_v2.<label>
    const label = names.secretResourceLabel(rest);
    const kvTo = names.tofuAddress('vault_kv_secret_v2', label);
    const moves = [
      ...(kv.address === kvTo ? [] : [{ from: kv.address, to: kvTo }]),
      ...keys.generate
        .map((g) => ({ from: g.from, to: `${names.tofuAddress('random_password', label)}[${JSON.stringify(g.key)}]` }))
        .filter((m) => m.from !== m.to),
    ];
    take(kv.at, 'tofu-block', kv.address, app.name, moves);
    for (const r of keys.resources) take(r.at, 'tofu-block', r.address, app.name);
  }
}

async function passwordKeys(
  data: NonNullable<ReturnType<typeof passwordData>>,
  passwords: ReadonlyMap<string, TofuResource>,
  parser: HclParser,
  scope: ReturnType<typeof moduleScope>,
): Promise<{ generate: GenerateDraft[]; resources: TofuResource[] } | { problem: string }> {
  const refs = new Map<string, PasswordRef>();
  if ('all' in data) {
    const r = passwords.get(data.all);
    if (!r?.forEach || !r.keys) return { problem: `random_password.${data.all} has no for_each keys known from the files` };
    for (const key of r.keys) refs.set(key, { resource: data.all, key });
  } else for (const [k, ref] of data.entries) refs.set(k, ref);
  const generate: GenerateDraft[] = [];
  const used = new Set<TofuResource>();
  for (const [key, ref] of [...refs].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (!names.SECRET_KEY.test(key)) return { problem: `kv key ${JSON.stringify(key)} is not a Secret key` };
    const r = passwords.get(ref.resource);
    if (!r) return { problem: `random_password.${ref.resource} is not declared in this project` };
    if (r.count || r.forEach !== (ref.key !== undefined))
      return {
        problem: `random_password.${ref.resource} is referenced ${ref.key === undefined ? 'whole' : 'by key'}, which does not match its for_each/count`,
      };
    const values = r.forEach ? await evaluate(parser, r.body.for_each, scope) : undefined;
    const each =
      ref.key !== undefined
        ? {
            key: ref.key,
            value: typeof values === 'object' && values !== null && !Array.isArray(values) ? (values as Record<string, unknown>)[ref.key] : ref.key,
          }
        : undefined;
    const options: Record<string, number | boolean | string> = {};
    for (const [arg, expr] of Object.entries(r.body)) {
      if (arg === 'for_each') continue;
      const v = await evaluate(parser, expr, { ...scope, ...(each ? { each } : {}) });
      if (arg === 'keepers') {
        if (v === null) continue;
        const rotation = typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 ? (v as Record<string, unknown>).rotation : undefined;
        if (typeof rotation !== 'string' || !/^[1-9][0-9]*$/.test(rotation))
          return { problem: `random_password.${ref.resource} has keepers other than { rotation = "N" }, which apps.yaml cannot express` };
        options.rotation = Number(rotation);
        continue;
      }
      const spec = PASSWORD_ARGUMENTS.find((a) => a.argument === arg);
      if (!spec) return { problem: `random_password.${ref.resource} sets ${arg}, which apps.yaml cannot express` };
      if (v === null) continue;
      if (v === UNKNOWN || (typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'string'))
        return { problem: `random_password.${ref.resource}'s ${arg} is not known from the files` };
      if (v !== spec.unset) options[spec.option] = v;
    }
    if (options.length === undefined) return { problem: `random_password.${ref.resource} sets no length` };
    const order = [...PASSWORD_ARGUMENTS.map((a) => a.option as string), 'rotation'];
    generate.push({
      key,
      from: `random_password.${ref.resource}${ref.key !== undefined ? `[${JSON.stringify(ref.key)}]` : ''}`,
      options: Object.fromEntries(Object.entries(options).sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]))),
    });
    used.add(r);
  }
  return { generate, resources: [...used] };
}

async function adoptConsumers(
  m: TofuModule,
  parser: HclParser,
  consumers: Map<string, ConsumerDraft>,
  say: Say,
  take: Take,
  vault: Record<string, unknown>,
): Promise<void> {
  const scope = moduleScope(m);
  const policies = new Map(m.resources.filter((r) => r.type === 'vault_policy' && !r.generated).map((r) => [r.name, r]));
  const documents = new Map(m.resources.filter((r) => r.address.startsWith('data.vault_policy_document.') && !r.generated).map((r) => [r.name, r]));
  for (const role of m.resources.filter((r) => r.type === 'vault_kubernetes_auth_backend_role' && !r.generated)) {
    const no = (why: string) => say(role.at, 'adopt-kept', `${role.address} is not a consumer apps.yaml can express (${why}); it stays hand-written`);
    const v = async (x: unknown) => evaluate(parser, x, scope);
    const roleName = await v(role.body.role_name);
    const backend = role.body.backend === undefined ? 'kubernetes' : await v(role.body.backend);
    const sas = await v(role.body.bound_service_account_names);
    const nss = await v(role.body.bound_service_account_namespaces);
    const tokenPolicies = Array.isArray(role.body.token_policies) ? (role.body.token_policies as unknown[]) : [];
    const policyRefs = tokenPolicies.filter((p) => p !== names.VAULT_BASE_POLICY);
    const label =
      policyRefs.length === 1
        ? (referenceOf(policyRefs[0], 'vault_policy', 'name') ?? [...policies.values()].find((p) => p.body.name === policyRefs[0])?.name)
        : undefined;
    const policy = label === undefined ? undefined : policies.get(label);
    if (typeof roleName !== 'string' || !policy) {
      no('its token_policies are not one vault_policy of this project');
      continue;
    }
    if (backend !== MOUNTS.kubernetes && backend !== (vault.mounts as Record<string, unknown> | undefined)?.kubernetes) {
      no(`it is on auth backend ${shownValue(backend)}`);
      continue;
    }
    if (!Array.isArray(sas) || sas.length !== 1 || !Array.isArray(nss) || nss.length !== 1) {
      no('a consumer binds exactly one ServiceAccount in one namespace');
      continue;
    }
    const policyName = await v(policy.body.name);
    const docLabel = referenceOf(policy.body.policy, 'data.vault_policy_document', 'hcl');
    const doc = docLabel === undefined ? undefined : documents.get(docLabel);
    const rules =
      doc !== undefined
        ? ((await v(doc.body.rule)) as { path: string; capabilities: string[] }[] | typeof UNKNOWN)
        : typeof policy.body.policy === 'string' && !policy.body.policy.includes('${')
          ? policyRules(policy.body.policy)
          : undefined;
    const kv = MOUNTS.kv;
    const reads =
      rules !== undefined && rules !== UNKNOWN && Array.isArray(rules)
        ? rules.map((r) =>
            r.path.startsWith(`${kv}/data/`) && [...r.capabilities].sort().join(',') === 'list,read' ? r.path.slice(`${kv}/data/`.length) : undefined,
          )
        : [undefined];
    if (reads.includes(undefined)) {
      no(`policy ${shownValue(policyName)} grants more than read and list on ${kv}/data/ paths`);
      continue;
    }
    if (policyName !== roleName) {
      say(
        role.at,
        'adopt-unmapped',
        `${role.address}: its role is ${shownValue(roleName)} and its policy ${shownValue(policyName)}, but joinkey names both after the consumer; it stays hand-written`,
      );
      continue;
    }
    const consumer: ConsumerDraft = {
      name: roleName,
      at: role.at,
      sources: new Set([`${role.at.repo}/${role.at.path}`]),
      notes: [],
      serviceAccount: shownValue(sas[0]),
      namespace: shownValue(nss[0]),
      reads: reads as string[],
    };
    const ttl = await v(role.body.token_ttl);
    if (ttl !== DEFAULTS.vault.tokenTtl) consumer.notes.push(`token_ttl was ${shownValue(ttl)}; joinkey writes vault.tokenTtl (${DEFAULTS.vault.tokenTtl})`);
    for (const [attr, fixed] of [
      ['audience', DEFAULTS.vault.audience],
      ['alias_name_source', DEFAULTS.aliasNameSource],
    ] as const)
      if (role.body[attr] === undefined) consumer.notes.push(`${attr} was unset; joinkey writes ${attr} = "${fixed}" (an in-place update of the role)`);
    consumers.set(roleName, consumer);
    const consumerLabel = names.consumerResourceLabel(roleName);
    const moved = (from: string, type: string) =>
      from === names.tofuAddress(type, consumerLabel) ? [] : [{ from, to: names.tofuAddress(type, consumerLabel) }];
    take(role.at, 'tofu-block', role.address, roleName, moved(role.address, 'vault_kubernetes_auth_backend_role'));
    take(policy.at, 'tofu-block', policy.address, roleName, moved(policy.address, 'vault_policy'));
    if (doc) take(doc.at, 'tofu-block', doc.address, roleName);
  }
}

/** The YAML document of an object, templated files masked first (so their literal fields read). */
function documentOf(trees: RepoTrees, at: Location): Record<string, unknown> | undefined {
  const content = trees.get(at.repo)?.get(at.path) ?? '';
  const text = content.includes('{{') ? maskTemplate(content, 'blank').text : content;
  const offsets = text.split('\n').reduce<number[]>((acc, line) => [...acc, (acc.at(-1) ?? 0) + line.length + 1], [0]);
  const offset = (offsets[at.line - 1] ?? 0) + at.col - 1;
  const docs = parseAllDocuments(text).filter((d) => 'range' in d && d.range);
  // the document the position lies in; a position before the first one's content (its leading comments) is the first
  const doc = docs.find((d) => d.range[0] <= offset && offset <= d.range[2]) ?? docs.find((d) => offset <= d.range[2]);
  return doc && !doc.errors.length ? (doc.toJSON() as Record<string, unknown>) : undefined;
}

const isVso = (o: KubeObject) => o.group === 'secrets.hashicorp.com' && !o.generated;

function adoptKube(
  trees: RepoTrees,
  inventory: Inventory,
  apps: Map<string, AppDraft>,
  say: Say,
  take: Take,
  vault: Record<string, unknown>,
  postgres: PlatformDraft['postgres'],
): void {
  const objects = inventory.objects.filter(isVso);
  const auths = objects.filter((o) => o.kind === 'VaultAuth');
  const usedAuths = new Set<KubeObject>();
  const mounts: Record<string, string> = {};
  const refreshes = new Set<string>();
  const dirOf = (o: KubeObject) => posix.dirname(o.at.path);
  /** The VaultAuth a secret object refers to: same namespace, or the same directory when namespaces are the applier's. */
  const authOf = (o: KubeObject) =>
    auths.find(
      (a) =>
        a.at.repo === o.at.repo &&
        a.name === o.vso?.vaultAuthRef &&
        (a.namespace === o.namespace || a.namespace === undefined || o.namespace === undefined) &&
        dirOf(a) === dirOf(o),
    ) ??
    auths.find((a) => a.at.repo === o.at.repo && a.name === o.vso?.vaultAuthRef && (a.namespace === o.namespace || (a.namespace ?? o.namespace) === undefined));
  const placed = new Map<AppDraft, KubeObject[]>();
  const place = (app: AppDraft, o: KubeObject) => placed.set(app, [...(placed.get(app) ?? []), o]);

  for (const o of objects) {
    if (o.kind !== 'VaultStaticSecret' && o.kind !== 'VaultDynamicSecret') continue;
    const v = o.vso ?? {};
    const nope = (why: string) => say(o.at, 'adopt-unmapped', `${o.kind} ${o.name ?? '<templated>'}: ${why}; it stays hand-written`);
    if (o.name === undefined || o.unknown.length) {
      nope(`${o.unknown.join(', ') || 'its name'} ${o.unknown.length > 1 ? 'are' : 'is'} templated`);
      continue;
    }
    const auth = authOf(o);
    const dynamic = o.kind === 'VaultDynamicSecret';
    const appName = dynamic ? /^creds\/([a-z0-9-]+)$/.exec(v.path ?? '')?.[1] : /^([a-z0-9-]+)\/([a-z0-9-]+)$/.exec(v.path ?? '')?.[1];
    const app = appName === undefined ? undefined : apps.get(appName);
    if (!app) {
      nope(`its path ${v.mount ?? '?'}/${v.path ?? '?'} is not ${dynamic ? 'creds/<app>' : '<app>/<secret>'} of an app in the applications map`);
      continue;
    }
    if (app.repo !== undefined && app.repo !== o.at.repo) {
      nope(`app "${app.name}"'s IaC is in repo ${app.repo}, and apps.yaml puts an app's manifests in the same repo`);
      continue;
    }
    if (!auth || (auth.vso?.kubernetesRole !== undefined && auth.vso.kubernetesRole !== names.k8sAuthRoleName(app.name))) {
      nope(
        auth
          ? `its VaultAuth ${auth.name} logs in as role ${auth.vso?.kubernetesRole}, not the app's role ${app.name}`
          : `its VaultAuth ${v.vaultAuthRef ?? '(none)'} is not among the files read`,
      );
      continue;
    }
    if (!dynamic && v.type !== 'kv-v2') {
      nope(`it reads a ${v.type ?? 'kv'} secret; joinkey renders kv-v2 ones`);
      continue;
    }
    const doc = documentOf(trees, o.at);
    const spec = (doc?.spec ?? {}) as Record<string, unknown>;
    if (v.mount) mounts[dynamic ? 'database' : 'kv'] = v.mount;
    if (auth.vso?.mount) mounts.kubernetes = auth.vso.mount;
    const sa = auth.vso?.serviceAccount ?? app.name;
    const authName = names.vaultAuthName(app.name, sa);
    if (auth.name !== authName) app.vaultAuthNames.set(sa, auth.name!);
    if (dynamic) {
      const db: DatabaseDraft = typeof app.database === 'object' ? app.database : { restart: [] };
      if (app.database === false) {
        nope(`app "${app.name}" has no database (disable_database or no PostgreSQL entry)`);
        continue;
      }
      if (o.name !== names.dynamicSecretName(app.name)) db.objectName = o.name;
      if (v.destination?.name && v.destination.name !== names.dynamicSecretName(app.name)) db.secretName = v.destination.name;
      const targets = Array.isArray(spec.rolloutRestartTargets) ? (spec.rolloutRestartTargets as { kind?: string; name?: string }[]) : [];
      db.restart = targets.map((t) => `${t.kind}/${t.name}`);
      app.database = db;
      if (sa !== app.name) {
        nope(`it authenticates as SA ${sa}; joinkey's dynamic secret uses the app's own SA ${app.name}`);
        continue;
      }
    } else {
      const secret = /^[a-z0-9-]+\/([a-z0-9-]+)$/.exec(v.path!)![1]!;
      const draft = app.secrets.get(secret) ?? {};
      if (o.name !== names.staticSecretName(app.name, secret)) draft.objectName = o.name;
      if (v.destination?.name && v.destination.name !== names.staticSecretName(app.name, secret)) draft.secretName = v.destination.name;
      if (sa !== app.name) draft.serviceAccount = sa;
      app.secrets.set(secret, draft);
      if (typeof spec.refreshAfter === 'string') refreshes.add(spec.refreshAfter);
    }
    if (v.destination?.create !== true)
      say(
        o.at,
        'adopt-review',
        `${o.kind} ${o.name} does not set destination.create; joinkey writes create: true, with which VSO creates the Secret when it is missing`,
      );
    usedAuths.add(auth);
    place(app, o);
    place(app, auth);
    take(o.at, 'kube-object', `${o.kind} ${o.namespace ?? '<applier>'}/${o.name}`, app.name);
  }
  for (const a of usedAuths) {
    const app = [...placed].find(([, os]) => os.includes(a))![0];
    take(a.at, 'kube-object', `VaultAuth ${a.namespace ?? '<applier>'}/${a.name}`, app.name);
    if (a.vso?.kubernetesRole === undefined)
      say(
        a.at,
        'adopt-review',
        `VaultAuth ${a.name}: its role is templated (${a.unknown.join(', ')}); joinkey writes the app's role ${app.name}: check the chart's values say so`,
      );
  }
  for (const a of auths)
    if (!usedAuths.has(a)) say(a.at, 'adopt-kept', `VaultAuth ${a.name ?? '<templated>'} is used by no adopted secret object; it stays hand-written`);

  for (const [app, os] of placed) {
    for (const o of os) app.sources.add(`${o.at.repo}/${o.at.path}`);
    const secretsObjs = os.filter((o) => o.kind !== 'VaultAuth');
    const known = [...new Set(os.map((o) => o.namespace).filter((n): n is string => n !== undefined))];
    // with no namespace written, the one the Vault role binds besides the app's own is where it runs (the guidebook's ns tools)
    const bound = [...app.namespaces].filter((n) => n !== app.name);
    const assumed = bound.length === 1 ? bound[0]! : app.name;
    const why = bound.length === 1 ? `the one namespace its Vault role binds besides ${app.name}` : "the app's own";
    const appNs =
      known.length === 1 ? known[0]! : known.length === 0 ? assumed : (os.find((o) => o.kind === 'VaultDynamicSecret')?.namespace ?? known.sort()[0]!);
    if (known.length === 0) {
      app.notes.push(`namespace: the VSO objects take the applier's namespace (Helm release or kubectl -n); adopt assumes ${assumed}, ${why}`);
      say(
        os[0]!.at,
        'adopt-review',
        `app "${app.name}": ${APPLIER_NAMESPACE_REVIEW} ({{ .Release.Namespace }} or none); joinkey writes namespace ${assumed} (${why}): check it is the one they run in, or set apps.${app.name}.namespace`,
      );
    } else if (os.some((o) => o.namespace === undefined)) {
      app.notes.push(`namespace: some VSO objects take the applier's namespace; adopt takes ${appNs} from the others`);
      say(
        os.find((o) => o.namespace === undefined)!.at,
        'adopt-review',
        `app "${app.name}": ${APPLIER_NAMESPACE_REVIEW} ({{ .Release.Namespace }} or none) where the others say ${appNs}; joinkey writes namespace ${appNs}: check they are applied there`,
      );
    }
    if (appNs !== app.name) app.namespace = appNs;
    for (const o of secretsObjs.filter((x) => x.kind === 'VaultStaticSecret')) {
      const secret = /^[a-z0-9-]+\/([a-z0-9-]+)$/.exec(o.vso!.path!)![1]!;
      if (o.namespace !== undefined && o.namespace !== appNs) app.secrets.get(secret)!.namespace = o.namespace;
    }
    const dirs = [...new Set(secretsObjs.map((o) => posix.dirname(o.at.path)))].sort();
    app.manifests = dirs.length === 1 ? dirs[0] : posix.dirname((secretsObjs.find((o) => o.kind === 'VaultDynamicSecret') ?? secretsObjs[0]!).at.path);
    if (dirs.length > 1) app.notes.push(`manifests: its VSO objects sit in ${dirs.join(', ')}; joinkey writes them all to ${app.manifests}/vso.gen.yaml`);
    app.repo ??= os[0]!.at.repo;
    const conditions = [...new Set(os.flatMap((o) => o.conditions))];
    if (conditions.length)
      say(
        os[0]!.at,
        'adopt-review',
        `app "${app.name}": its VSO objects sit inside {{ ${conditions.join(' }}, {{ ')} }}; the generated file has no condition, so they are applied whatever the values say`,
      );
  }
  // what the render would add: joinkey renders a VaultDynamicSecret per app with a database and a VaultStaticSecret per secret
  for (const app of apps.values()) {
    if (app.repo === undefined) continue;
    const os = placed.get(app) ?? [];
    const where = app.manifests ?? names.defaultManifestsDir(app.name);
    if (app.database !== false && !os.some((o) => o.kind === 'VaultDynamicSecret'))
      say(
        app.at,
        'adopt-review',
        `app "${app.name}" has a database but no VaultDynamicSecret was found: the render adds ${names.dynamicSecretName(app.name)} (and its VaultAuth) in ${app.repo}/${where}, a new object to review`,
      );
    for (const [secret] of app.secrets)
      if (!os.some((o) => o.kind === 'VaultStaticSecret' && o.vso?.path === names.kvPath(app.name, secret)))
        say(
          app.at,
          'adopt-review',
          `app "${app.name}" generates kv ${names.kvPath(app.name, secret)} but no VaultStaticSecret reads it: the render adds ${names.staticSecretName(app.name, secret)} in ${app.repo}/${where}, a new object to review`,
        );
  }
  if (mounts.kv || mounts.database || mounts.kubernetes) vault.mounts = { ...(vault.mounts ?? {}), ...mounts };
  if (refreshes.size === 1) vault.refreshAfter = [...refreshes][0];
  else if (refreshes.size > 1) vault.refreshAfter = [...refreshes].sort()[0];

  // the DATABASE_URL init-container patch
  for (const p of inventory.patches) {
    const doc = documentOf(trees, p.at);
    const podSpec = ((doc?.spec as Body | undefined)?.template as Body | undefined)?.spec as Body | undefined;
    const inits = Array.isArray(podSpec?.initContainers) ? (podSpec.initContainers as Body[]) : [];
    const app = [...apps.values()].find(
      (a) =>
        typeof a.database === 'object' &&
        inits.some((c) => JSON.stringify(c.env ?? []).includes(`"name":"${(a.database as DatabaseDraft).secretName ?? names.dynamicSecretName(a.name)}"`)),
    );
    if (!app) continue;
    const db = app.database as DatabaseDraft;
    const init = inits[0]!;
    const script = [...((init.command as unknown[]) ?? []), ...((init.args as unknown[]) ?? [])].join(' ');
    const urlEnv = new RegExp(String.raw`>\s*${GENERATED_SECRETS_MOUNT}/([A-Za-z_][A-Za-z0-9_]*)`).exec(script)?.[1];
    const env = new Map(((init.env as Body[]) ?? []).map((e) => [String(e.name), e.value]));
    if (!urlEnv || inits.length !== 1 || !db.restart.includes(`${p.target.kind}/${p.target.name}`)) {
      say(
        p.at,
        'adopt-unmapped',
        `the init-container patch of ${p.target.kind}/${p.target.name} is not the guidebook's DATABASE_URL patch for a restarted workload (one init container writing ${GENERATED_SECRETS_MOUNT}/<ENV>); it stays hand-written`,
      );
      continue;
    }
    db.urlEnv = urlEnv;
    const readers = ((podSpec?.containers as Body[]) ?? []).filter((c) => JSON.stringify(c.volumeMounts ?? []).includes(GENERATED_SECRETS_MOUNT));
    if (readers.length === 1 && readers[0]!.name !== p.target.name) db.urlContainer = String(readers[0]!.name);
    const host = env.get('DB_HOST');
    const port = env.get('DB_PORT');
    if (typeof host === 'string' && host !== DEFAULTS.postgres.host) postgres.host = host;
    if (port !== undefined && Number(port) !== DEFAULTS.postgres.port) postgres.port = Number(port);
    app.sources.add(`${p.at.repo}/${p.at.path}`);
    take(p.at, 'kube-patch', `patch of ${p.target.kind} ${p.target.namespace ?? '<applier>'}/${p.target.name}`, app.name);
  }
}
