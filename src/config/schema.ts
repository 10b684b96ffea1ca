import { z } from './zod';
import {
  DNS1123_LABEL,
  DNS1123_LABEL_MAX,
  DNS1123_SUBDOMAIN,
  DNS1123_SUBDOMAIN_MAX,
  ENV_NAME,
  GO_DURATION,
  KV_SEGMENT,
  REPO_DIR,
  RESTART_KINDS,
  SECRET_KEY,
  VAULT_NAME,
} from '../model/names';
import { GENERATE_OPTIONS, OVERRIDE_SPECIAL, PASSWORD_LENGTH_MAX, PASSWORD_LENGTH_MIN } from '../model/random-password';

/**
 * The apps.yaml v1 contract (../shared/design/apps-yaml.md) as a zod schema. Shapes and per-field
 * rules live here (and which keys of one mapping need each other); every rule that needs more
 * of the file runs on the resolved model, in src/rules. Defaults are not applied
 * here but once, in model/resolve.ts.
 */

/**
 * An input value as a message shows it: quoted, with line breaks and control characters escaped
 * (so every diagnostic stays on its FILE:LINE:COL line), and cut after 100 characters.
 */
export function shown(value: unknown): string {
  const s = String(value);
  const cut = s.length > 100 ? `${s.slice(0, 100)}...` : s;
  return JSON.stringify(cut).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const label = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .max(DNS1123_LABEL_MAX, { error: (i) => `${what} ${shown(i.input)} is longer than ${DNS1123_LABEL_MAX} characters (a DNS-1123 label)` })
    .regex(DNS1123_LABEL, {
      error: (i) =>
        `${what} ${shown(i.input)} is not a DNS-1123 label: use lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. my-app`,
    });

/** A Kubernetes object name (VSO objects, Secrets): a DNS-1123 subdomain. */
const objectName = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .max(DNS1123_SUBDOMAIN_MAX, { error: (i) => `${what} ${shown(i.input)} is longer than ${DNS1123_SUBDOMAIN_MAX} characters` })
    .regex(DNS1123_SUBDOMAIN, {
      error: (i) => `${what} ${shown(i.input)} is not a Kubernetes object name: use lowercase letters, digits, "-" and ".", e.g. plausible-config`,
    });

const vaultName = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .max(128, { error: `${what} is longer than 128 characters` })
    .regex(VAULT_NAME, { error: (i) => `${what} ${shown(i.input)} may only hold letters, digits, "_" and "-", e.g. factory_crowdsec_conf` });

/** Consumer names become Vault policy and role names, which Vault lowercases: only lowercase is unambiguous. */
const consumerName = z
  .string({ error: 'a consumer name must be a string' })
  .max(128, { error: 'a consumer name is longer than 128 characters' })
  .regex(/^[a-z0-9_][a-z0-9_-]*$/, {
    error: (i) =>
      `consumer name ${shown(i.input)} may only hold lowercase letters, digits, "_" and "-" (Vault lowercases policy names, so "Web" and "web" would be one policy), e.g. factory_crowdsec_conf`,
  });

/** A retired name is an app name or a consumer name: the consumer rule admits both. */
const retiredName = z
  .string({ error: 'a retired name must be a string' })
  .max(128, { error: 'a retired name is longer than 128 characters' })
  .regex(/^[a-z0-9_][a-z0-9_-]*$/, { error: (i) => `retired name ${shown(i.input)} is not an app or consumer name (lowercase letters, digits, "_" and "-")` });

const repoDir = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .max(255, { error: `${what} is longer than 255 characters` })
    .regex(REPO_DIR, {
      error: (i) =>
        `${what} ${shown(i.input)} must be a relative path inside the repo, e.g. plausible/resources (no leading "/", no "." or ".." segments, no spaces)`,
    });

const secretKey = z
  .string({ error: 'a secret key must be a string' })
  .max(253, { error: 'a secret key is longer than 253 characters' })
  .regex(SECRET_KEY, { error: (i) => `secret key ${shown(i.input)} may only hold letters, digits, "-", "_" and ".", e.g. LICENSE_KEY` });

const kvRelativePath = z
  .string({ error: 'a kv path must be a string' })
  .max(512, { error: 'a kv path is longer than 512 characters' })
  .refine((s) => s.split('/').every((seg) => KV_SEGMENT.test(seg)), {
    error: (i) =>
      `kv path ${shown(i.input)} must be "/"-separated names (letters, digits, "_", "-", "."), with no "*", "+", "..", leading "/" or empty segment, e.g. factory/turnstile`,
  });

const consumerRead = z.string({ error: 'a consumer read path must be a string' }).max(512, { error: 'a consumer read path is longer than 512 characters' });

/** URLs written into manifests or HCL: printable ASCII without spaces, quotes, braces or backslashes. */
const url = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .max(2048, { error: `${what} is longer than 2048 characters` })
    .regex(/^[A-Za-z][A-Za-z0-9+.-]*:[^\s"'\\{}<>`]+$/, {
      error: (i) => `${what} ${shown(i.input)} is not a URL, e.g. https://example.org/path (no spaces, quotes, braces or backslashes)`,
    });

const gitUrl = z
  .string({ error: 'repos.<id>.url must be a string' })
  .min(1, { error: 'repos.<id>.url is empty' })
  .max(2048, { error: 'repos.<id>.url is longer than 2048 characters' })
  .regex(/^[^\s"'\\{}<>`]+$/, { error: (i) => `repo url ${shown(i.input)} contains spaces, quotes, braces or backslashes` });

/** A branch name; what git accepts is the rule layer's branch-name rule (model/names.ts branchNameProblem). */
const branch = z.string({ error: 'a branch must be a string' }).max(255, { error: 'a branch name is longer than 255 characters' });

const repoId = z
  .string({ error: 'a repo id must be a string' })
  .regex(DNS1123_LABEL, { error: (i) => `repo id ${shown(i.input)} is not a DNS-1123 label, e.g. tools` });

const positiveInt = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int({ error: `${what} must be a whole number` })
    .positive({ error: `${what} must be greater than 0` });

const uniqueList = <T extends z.ZodType<string>>(item: T, what: string) =>
  z
    .array(item, { error: `${what} must be a list, e.g. [a, b]` })
    .refine((xs) => new Set(xs).size === xs.length, { error: (i) => `${what} lists ${duplicateOf(i.input as string[])} twice; list each once` });

function duplicateOf(xs: readonly string[]): string {
  const seen = new Set<string>();
  for (const x of xs) {
    if (seen.has(x)) return shown(x);
    seen.add(x);
  }
  return 'an item';
}

const stateBucket = z
  .string({ error: 'state.bucket must be a string' })
  .regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, { error: (i) => `state.bucket ${shown(i.input)} is not a GCS bucket name, e.g. arcodange-tf` });

export const StateSchema = z.strictObject(
  {
    bucket: stateBucket.optional(),
    /** A path put before every generated state prefix (`<prefix>/<repo>/<app>/main`), e.g. one per environment. */
    prefix: repoDir('state.prefix').optional(),
  },
  { error: 'state must be a mapping { bucket, prefix }' },
);

const giteaLabels = uniqueList(
  z
    .string({ error: 'a gitea label must be a string' })
    .min(1, { error: 'a gitea label is empty' })
    .max(255, { error: 'a gitea label is longer than 255 characters' }),
  'gitea.labels',
);

export const GiteaSchema = z.strictObject({ url: url('gitea.url'), labels: giteaLabels.optional() }, { error: 'gitea must be a mapping { url, labels }' });

/** An environment name: a DNS-1123 label (it names a dir of the output, OUT/<env>). */
const environmentName = label('environment name');

const restartTarget = z
  .string({ error: 'a restart target must be a string Kind/name' })
  .regex(new RegExp(`^(${RESTART_KINDS.map((k) => k.replace('.', '\\.')).join('|')})/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$`), {
    error: (i) => `restart target ${shown(i.input)} must be Kind/name with Kind one of ${RESTART_KINDS.join(', ')}, e.g. Deployment/plausible`,
  });

export const VaultSchema = z.strictObject(
  {
    connection: z
      .string({ error: 'vault.connection must be a string' })
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, {
        error: (i) => `vault.connection ${shown(i.input)} must name a VaultConnection, as name or namespace/name, e.g. default`,
      })
      .optional(),
    address: url('vault.address').optional(),
    mounts: z
      .strictObject(
        {
          kubernetes: repoDir('vault.mounts.kubernetes').optional(),
          jwt: repoDir('vault.mounts.jwt').optional(),
          kv: repoDir('vault.mounts.kv').optional(),
          database: repoDir('vault.mounts.database').optional(),
        },
        { error: 'vault.mounts must be a mapping, e.g. { kv: kvv2 }' },
      )
      .optional(),
    audience: z
      .string({ error: 'vault.audience must be a string' })
      .regex(/^[A-Za-z0-9._:/-]+$/, { error: (i) => `vault.audience ${shown(i.input)} may only hold letters, digits and . _ : / -, e.g. vault` })
      .optional(),
    tokenTtl: positiveInt('vault.tokenTtl').optional(),
    refreshAfter: z
      .string({ error: 'vault.refreshAfter must be a string such as 30s' })
      .regex(GO_DURATION, { error: (i) => `vault.refreshAfter ${shown(i.input)} is not a duration, e.g. 30s or 1m30s` })
      .optional(),
    appRolesModule: z
      .string({ error: 'vault.appRolesModule must be a string' })
      .regex(/^[^\s"'\\{}<>`$%\u0080-\uffff]+$/, {
        error: (i) => `vault.appRolesModule ${shown(i.input)} must be a module source address in ASCII, without spaces, quotes, braces, "$" or "%"`,
      })
      .optional(),
  },
  { error: 'vault must be a mapping' },
);

export const RepoSchema = z.strictObject(
  {
    url: gitUrl,
    branch: branch.optional(),
    gitea: z
      .string({ error: 'repos.<id>.gitea must be a string "owner/name"' })
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { error: (i) => `repos.<id>.gitea ${shown(i.input)} must be "owner/name", e.g. arcodange-org/tools` })
      .optional(),
  },
  { error: 'each repo must be a mapping with url and branch, e.g. { url: ssh://git@host/org/tools.git, branch: main }' },
);

const CentralTarget = (what: string) =>
  z.strictObject({ repo: repoId.optional(), dir: repoDir(`${what}.dir`).optional() }, { error: `${what} must be a mapping { repo, dir }` });

export const DatabaseOptionsSchema = z.strictObject(
  {
    name: z.string({ error: 'database.name must be a string' }).optional(),
    restart: uniqueList(restartTarget, 'database.restart').optional(),
    urlEnv: z
      .string({ error: 'database.urlEnv must be a string' })
      .regex(ENV_NAME, { error: (i) => `database.urlEnv ${shown(i.input)} is not an environment variable name, e.g. DATABASE_URL` })
      .optional(),
    urlContainer: label('database.urlContainer').optional(),
    /** Overrides for names that already exist (joinkey adopt): the VaultDynamicSecret and the Secret it writes. */
    objectName: objectName('database.objectName').optional(),
    secretName: objectName('database.secretName').optional(),
  },
  { error: 'database must be true, false, or a mapping with name, restart, urlEnv, urlContainer, objectName and secretName' },
);

const wholeNumber = (what: string, min: number, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .int({ error: `${what} must be a whole number` })
    .min(min, { error: `${what} must be at least ${min}` })
    .max(max, { error: `${what} must be at most ${max}` });

const flag = (what: string) => z.boolean({ error: `${what} must be true or false` });

/**
 * The options of one generated key: random_password's arguments (model/generated.ts maps each to
 * its argument) and the rotation counter. Rules between options are in rules.ts.
 */
export const GenerateOptionsSchema = z.strictObject(
  {
    length: wholeNumber('length', PASSWORD_LENGTH_MIN, PASSWORD_LENGTH_MAX).optional(),
    special: flag('special').optional(),
    upper: flag('upper').optional(),
    lower: flag('lower').optional(),
    numeric: flag('numeric').optional(),
    minUpper: wholeNumber('minUpper', 0, PASSWORD_LENGTH_MAX).optional(),
    minLower: wholeNumber('minLower', 0, PASSWORD_LENGTH_MAX).optional(),
    minNumeric: wholeNumber('minNumeric', 0, PASSWORD_LENGTH_MAX).optional(),
    minSpecial: wholeNumber('minSpecial', 0, PASSWORD_LENGTH_MAX).optional(),
    overrideSpecial: z
      .string({ error: 'overrideSpecial must be a string of special characters, e.g. "!#%*-_=+"' })
      .min(1, { error: "overrideSpecial is empty; remove it to use the provider's own special characters" })
      .refine((x) => x === '' || OVERRIDE_SPECIAL.test(x), {
        error: (i) =>
          `overrideSpecial ${shown(i.input)} may only hold ASCII punctuation (no letters, digits, spaces or non-ASCII: the provider picks characters byte by byte), e.g. "!#%*-_=+"`,
      })
      .optional(),
    rotation: wholeNumber('rotation', 0, Number.MAX_SAFE_INTEGER).optional(),
  },
  { error: `generated key options must be a mapping of ${GENERATE_OPTIONS.join(', ')}, e.g. { length: 32 }` },
);

/** A `generate:` item: a key name, or a one-key mapping of the name to its options. */
const generateItem = z.union(
  [
    secretKey,
    z.record(secretKey, GenerateOptionsSchema).refine((m) => Object.keys(m).length === 1, {
      error: (i) =>
        `a generate item with options names one key, but this one names ${Object.keys(i.input as object).length}; give each key its own item, e.g. - TOTP_VAULT_KEY: { length: 32 }`,
    }),
  ],
  { error: 'a generate item is a key name, or a key with its options, e.g. - SECRET_KEY_BASE or - TOTP_VAULT_KEY: { length: 32 }' },
);

export type GenerateItem = z.infer<typeof generateItem>;
export type GenerateOptions = z.infer<typeof GenerateOptionsSchema>;

/** The key a `generate:` item names and its options ({} for a plain name). */
export function generateItemKey(item: GenerateItem): { readonly name: string; readonly options: GenerateOptions } {
  if (typeof item === 'string') return { name: item, options: {} };
  const [name, options] = Object.entries(item)[0]!;
  return { name, options };
}

/** The key names of the well-formed items (the list refinement also sees items that failed). */
const itemNames = (items: readonly unknown[]): string[] =>
  items.flatMap((it) => (typeof it === 'string' ? [it] : typeof it === 'object' && it !== null && Object.keys(it).length === 1 ? Object.keys(it) : []));

const generateList = z
  .array(generateItem, { error: 'generate must be a list of key names, e.g. [SECRET_KEY_BASE]' })
  .refine((items) => new Set(itemNames(items)).size === itemNames(items).length, {
    error: (i) => `generate lists ${duplicateOf(itemNames(i.input as unknown[]))} twice; list each key once`,
  });

export const SecretSchema = z
  .strictObject(
    {
      serviceAccount: label('secret serviceAccount').optional(),
      namespace: label('secret namespace').optional(),
      keys: uniqueList(secretKey, 'keys').optional(),
      generate: generateList.optional(),
      length: z
        .number({ error: 'length must be a number' })
        .int({ error: 'length must be a whole number' })
        .min(16, { error: 'length must be at least 16' })
        .max(1024, { error: 'length must be at most 1024' })
        .optional(),
      /** Overrides for names that already exist (joinkey adopt): the VaultStaticSecret and the Secret it writes. */
      objectName: objectName('objectName').optional(),
      secretName: objectName('secretName').optional(),
      /** The secret's previous name: its generated passwords move to the new name (moved blocks), nothing rotates. */
      renamedFrom: label('renamedFrom').optional(),
    },
    { error: 'a secret must be a mapping, e.g. {} or { keys: [LICENSE_KEY] }' },
  )
  .superRefine((s, ctx) => {
    if (s.renamedFrom !== undefined && s.generate === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['renamedFrom'],
        message:
          'renamedFrom moves generated passwords to the new name; this secret generates none (seed its keys at the new kv path instead), so remove renamedFrom',
      });
    if (s.length !== undefined && s.generate === undefined)
      ctx.addIssue({ code: 'custom', path: ['length'], message: 'length applies to generated keys only; add generate: [KEY] or remove length' });
  });

export const AppSchema = z
  .strictObject(
    {
      repo: repoId.optional(),
      manifests: repoDir('manifests').optional(),
      iac: repoDir('iac').optional(),
      namespace: label('namespace').optional(),
      namespaces: uniqueList(label('namespace'), 'namespaces').optional(),
      serviceAccounts: uniqueList(label('service account'), 'serviceAccounts').optional(),
      opsPolicies: uniqueList(vaultName('ops policy'), 'opsPolicies').optional(),
      database: z
        .union([z.boolean(), DatabaseOptionsSchema], { error: 'database must be true, false, or a mapping with name, restart, urlEnv and urlContainer' })
        .optional(),
      secrets: z.record(label('secret name'), SecretSchema, { error: 'secrets must be a mapping of secret name to settings, e.g. { config: {} }' }).optional(),
      writes: uniqueList(kvRelativePath, 'writes').optional(),
      /** Overrides for names that already exist (joinkey adopt): the VaultAuth of each ServiceAccount, the IaC state prefix. */
      vaultAuthNames: z
        .record(label('vaultAuthNames service account'), objectName('a VaultAuth name'), {
          error: 'vaultAuthNames must be a mapping of ServiceAccount to VaultAuth name, e.g. { cloudflared: cloudflared }',
        })
        .optional(),
      statePrefix: z
        .string({ error: 'statePrefix must be a string' })
        .max(1024, { error: 'statePrefix is longer than 1024 characters' })
        .regex(REPO_DIR, { error: (i) => `statePrefix ${shown(i.input)} must be a "/"-separated GCS prefix, e.g. tools/plausible/main` })
        .optional(),
      /** The IaC project's terraform block (backend, required_providers) and Vault provider stay hand-written: no backend.gen.tf. */
      handWrittenBackend: z.boolean({ error: 'handWrittenBackend must be true or false' }).optional(),
      /** The environments the app exists in; all when absent. */
      environments: uniqueList(environmentName, 'environments').optional(),
    },
    { error: 'an app must be a mapping; use {} for all defaults' },
  )
  .superRefine((a, ctx) => {
    for (const key of ['statePrefix', 'handWrittenBackend'] as const) {
      if (a[key] !== undefined && a.repo === undefined)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} is set but the app has no repo, so joinkey renders no IaC project for it; add repo: <id> or remove ${key}`,
        });
    }
    if (a.statePrefix !== undefined && a.handWrittenBackend === true)
      ctx.addIssue({
        code: 'custom',
        path: ['statePrefix'],
        message: 'statePrefix is set but handWrittenBackend is true, so joinkey writes no backend; remove one of them',
      });
    for (const key of ['manifests', 'iac'] as const) {
      if (a[key] !== undefined && a.repo === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} is set but the app has no repo; add repo: <id> so joinkey knows where to write ${key === 'manifests' ? 'the VSO manifests' : 'the IaC'}`,
        });
      }
    }
  });

export const ConsumerSchema = z.strictObject(
  {
    serviceAccount: label('consumer serviceAccount'),
    namespace: label('consumer namespace'),
    reads: uniqueList(consumerRead, 'reads').min(1, { error: 'reads must list at least one kv path, e.g. [cms/factory/*]' }),
  },
  { error: 'a consumer must be a mapping with serviceAccount, namespace and reads' },
);

/**
 * What one environment changes about the top level: each key names only what differs, and the
 * rest is inherited (model/environments.ts applies it).
 */
export const EnvironmentRepoSchema = z.strictObject(
  {
    url: gitUrl.optional(),
    branch: branch.optional(),
    /** A dir inside the repo that every file of this environment goes below (a dir-per-env layout). */
    path: repoDir('repos.<id>.path').optional(),
  },
  { error: 'a repo override must be a mapping with url, branch and path, e.g. { branch: sandbox }' },
);

export const EnvironmentAppSchema = z.strictObject(
  {
    namespace: label('namespace').optional(),
    database: z
      .strictObject({ restart: uniqueList(restartTarget, 'database.restart').optional() }, { error: 'database must be a mapping { restart }' })
      .optional(),
    secrets: z
      .record(
        label('secret name'),
        z.strictObject({ keys: uniqueList(secretKey, 'keys').optional() }, { error: 'a secret override must be a mapping { keys }' }),
        {
          error: 'secrets must be a mapping of secret name to { keys }',
        },
      )
      .optional(),
  },
  { error: 'an app override must be a mapping with namespace, database and secrets, e.g. { namespace: tools-sandbox }' },
);

export const EnvironmentSchema = z.strictObject(
  {
    vault: VaultSchema.optional(),
    state: StateSchema.optional(),
    gitea: GiteaSchema.partial().optional(),
    repos: z.record(repoId, EnvironmentRepoSchema, { error: 'repos must be a mapping of repo id to { url, branch, path }' }).optional(),
    apps: z.record(label('app name'), EnvironmentAppSchema, { error: 'apps must be a mapping of app name to its overrides' }).optional(),
  },
  { error: 'an environment must be a mapping of what differs from the top level; use {} to inherit everything' },
);

/**
 * A retired name: the acknowledgement, reviewed in git, of destroying live data. A name that is
 * no longer in apps (or consumers) retires everything of it: its database, generated secrets, kv
 * data, Vault roles and policies. A name still in apps retires only the parts listed. The name
 * stays reserved: no app or consumer may take it again.
 */
export const RetiredSchema = z.strictObject(
  {
    reason: z
      .string({ error: 'reason must be a string saying why the data may go, e.g. "exported to erp2 on 2026-11-20"' })
      .trim()
      .min(1, { error: 'reason is empty; say why the data may be destroyed, for the reviewers and for later' }),
    database: z.literal(true, { error: "database must be true (it acknowledges DROP DATABASE of the app's database), or left out" }).optional(),
    secrets: uniqueList(
      z.string({ error: 'a retired secret must be a string: <secret> or <secret>.<KEY>' }).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[-._a-zA-Z0-9]+)?$/, {
        error: (i) => `${shown(i.input)} is not <secret> or <secret>.<KEY>, e.g. config or config.OLD_KEY`,
      }),
      'secrets',
    ).optional(),
  },
  { error: 'a retired entry must be a mapping with reason (and, for an app still in apps, database: true or secrets: [...])' },
);

export const AppsFileSchema = z.strictObject(
  {
    version: z.literal(1, { error: 'version must be 1 (the only apps.yaml version joinkey reads); add "version: 1" at the top' }),
    vault: VaultSchema.optional(),
    repos: z.record(repoId, RepoSchema, { error: 'repos must be a mapping of repo id to { url, branch }' }),
    central: z
      .strictObject(
        {
          vault: CentralTarget('central.vault').optional(),
          postgres: CentralTarget('central.postgres').optional(),
        },
        { error: 'central must be a mapping with vault and postgres' },
      )
      .optional(),
    postgres: z
      .strictObject(
        {
          host: z
            .string({ error: 'postgres.host must be a string' })
            .regex(/^[A-Za-z0-9]([-.A-Za-z0-9]*[A-Za-z0-9])?$/, { error: (i) => `postgres.host ${shown(i.input)} is not a host name, e.g. pgbouncer.tools` })
            .optional(),
          port: z
            .number({ error: 'postgres.port must be a number' })
            .int({ error: 'postgres.port must be a whole number' })
            .min(1, { error: 'postgres.port must be 1 to 65535' })
            .max(65535, { error: 'postgres.port must be 1 to 65535' })
            .optional(),
        },
        { error: 'postgres must be a mapping { host, port }' },
      )
      .optional(),
    state: StateSchema.optional(),
    gitea: GiteaSchema.optional(),
    apps: z.record(label('app name'), AppSchema, { error: 'apps must be a mapping of app name to settings, e.g. { webapp: {} }' }),
    consumers: z.record(consumerName, ConsumerSchema, { error: 'consumers must be a mapping of consumer name to settings' }).optional(),
    environments: z
      .record(environmentName, EnvironmentSchema, { error: 'environments must be a mapping of environment name to its overrides, e.g. { prod: {} }' })
      .optional(),
    /** The order publish handles the environments in; the order of `environments:` when absent. */
    promote: uniqueList(environmentName, 'promote').optional(),
    retired: z.record(retiredName, RetiredSchema, { error: 'retired must be a mapping of app or consumer name to { reason }' }).optional(),
  },
  { error: 'apps.yaml must be a mapping with version, repos and apps' },
);

export type AppsFile = z.infer<typeof AppsFileSchema>;
export type AppInput = z.infer<typeof AppSchema>;
export type SecretInput = z.infer<typeof SecretSchema>;
export type DatabaseOptions = z.infer<typeof DatabaseOptionsSchema>;
export type EnvironmentInput = z.infer<typeof EnvironmentSchema>;
export type RetiredInput = z.infer<typeof RetiredSchema>;
