import { posix } from 'node:path';
import type { Path } from '../config/source';
import type { Model } from '../model/model';
import { consumerResourceLabel, stateKeyPrefix } from '../model/names';
import { finding, type Finding } from './finding';
import { fileTargets } from './files';

/**
 * Names that only collide once derived: two outputs writing one file (or a file where another
 * output needs a dir), two consumers becoming one HCL resource, two VSO objects (and so two
 * destination Secrets) of one kind, namespace and name, two apps owning one PostgreSQL database
 * or role, two repo ids for one git repository.
 */
export function uniquenessFindings(model: Model): Finding[] {
  return [
    ...fileFindings(model),
    ...hclLabelFindings(model),
    ...objectFindings(model),
    ...databaseFindings(model),
    ...repoUrlFindings(model),
    ...statePrefixFindings(model),
  ];
}

/** Two IaC projects in one state (a `statePrefix` that meets another app's) would each destroy what the other manages. */
function statePrefixFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  const claim = firstOwners<string>();
  // the derived prefixes claim first, so the app reported is one whose statePrefix took another's
  const given = (a: Model['apps'][number]) => a.target!.stateKeyPrefix !== stateKeyPrefix(a.target!.repo, a.name, model.state.prefix);
  const projects = model.apps.filter((a) => a.target?.files.backend !== undefined);
  for (const app of [...projects.filter((a) => !given(a)), ...projects.filter(given)]) {
    if (!app.target) continue;
    const prev = claim(app.target.stateKeyPrefix, app.name);
    if (prev !== undefined)
      out.push(
        finding(
          'unique-state-prefix',
          [...app.origin, 'statePrefix'],
          `app "${app.name}"'s IaC state prefix "${app.target.stateKeyPrefix}" is also app "${prev}"'s, so both projects would share one state and each would destroy what the other manages; give it its own statePrefix`,
        ),
      );
  }
  return out;
}

/** A register of first owners: `claim(key, owner)` returns the earlier owner of key, or undefined and records owner. */
function firstOwners<T>(): (key: string, owner: T) => T | undefined {
  const owners = new Map<string, T>();
  return (key, owner) => {
    if (owners.has(key)) return owners.get(key);
    owners.set(key, owner);
    return undefined;
  };
}

function fileFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  const claim = firstOwners<string>();
  const targets = fileTargets(model);
  for (const t of targets) {
    const key = `${t.repo}:${t.path}`;
    const prev = claim(key, t.owner);
    if (prev !== undefined)
      out.push(
        finding('unique-file', t.entity, `${t.what} would be written to ${key}, which ${prev} also writes; give the app its own manifests and iac dirs`, {
          at: 'key',
        }),
      );
  }
  // a file where another output needs a directory: the write fails with EEXIST or ENOTDIR
  const dirs = new Map<string, (typeof targets)[number]>();
  for (const t of targets) {
    for (let d = posix.dirname(t.path); d !== '.'; d = posix.dirname(d)) {
      if (!dirs.has(`${t.repo}:${d}`)) dirs.set(`${t.repo}:${d}`, t);
    }
  }
  for (const t of targets) {
    const inside = dirs.get(`${t.repo}:${t.path}`);
    if (inside) {
      out.push(
        finding(
          'unique-file',
          t.entity,
          `${t.what} would be written to ${t.repo}:${t.path}, but ${inside.what} (${inside.repo}:${inside.path}) needs ${t.path} to be a directory; move one of them to another dir`,
          { at: 'key' },
        ),
      );
    }
  }
  return out;
}

function hclLabelFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  const claim = firstOwners<string>();
  for (const c of model.consumers) {
    const label = consumerResourceLabel(c.name);
    const prev = claim(label, c.name);
    if (prev !== undefined)
      out.push(
        finding(
          'unique-hcl-label',
          c.origin,
          `consumers "${prev}" and "${c.name}" would both be the HCL resource "${label}" (a name starting with a digit gets "c_"); rename one of them`,
          { at: 'key' },
        ),
      );
  }
  return out;
}

/** VaultAuths, and the Secrets VSO writes (each named like the VSO secret that writes it): one per namespace and name. */
function objectFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  const claim = firstOwners<string>();
  /** True when the name was taken; `report: false` claims it without a finding (one is reported already for the object). */
  const own = (app: string, kind: string, ns: string, name: string, origin: Path, report = true): boolean => {
    const prev = claim(`${kind}/${ns}/${name}`, app);
    if (prev !== undefined && report)
      out.push(
        finding('unique-object', origin, `${kind} ${ns}/${name} is already generated for app "${prev}"; rename the secret or the app so the names differ`, {
          at: 'key',
        }),
      );
    return prev !== undefined;
  };
  for (const app of model.apps) {
    if (!app.target) continue;
    for (const a of app.vaultAuths) own(app.name, 'VaultAuth', a.namespace, a.name, app.origin);
    // names apps.yaml may give (objectName, secretName) can meet where derived ones cannot; a derived
    // object name that meets another meets its Secret too, and is reported once, as that Secret
    if (app.database) {
      const secretTaken = own(app.name, 'Secret', app.namespace, app.database.k8sSecretName, app.origin);
      own(app.name, 'VaultDynamicSecret', app.namespace, app.database.dynamicSecretName, app.origin, !secretTaken);
    }
    for (const s of app.secrets) {
      const secretTaken = own(app.name, 'Secret', s.namespace, s.k8sSecretName, s.origin);
      own(app.name, 'VaultStaticSecret', s.namespace, s.staticSecretName, s.origin, !secretTaken);
    }
  }
  return out;
}

/**
 * One database and one `<app>_role` per app: factory's map would create one, and two apps would
 * share it. The app named like the database owns it; an explicit database.name that takes it is
 * the one reported.
 */
function databaseFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  const claimDatabase = firstOwners<string>();
  const claimRole = firstOwners<string>();
  const withDb = model.apps.filter((a) => a.database);
  const namedAfterApp = withDb.filter((a) => a.database!.name === a.name);
  for (const app of [...namedAfterApp, ...withDb.filter((a) => a.database!.name !== a.name)]) {
    const db = app.database!;
    const prevDb = claimDatabase(db.name, app.name);
    if (prevDb !== undefined) {
      const explicit = db.name !== app.name;
      out.push(
        finding(
          'unique-database',
          explicit ? [...app.origin, 'database', 'name'] : app.origin,
          `app "${app.name}"'s database "${db.name}" is also app "${prevDb}"'s database, so both apps would own and read one database; set database: { name: <other> } on one of them`,
          explicit ? {} : { at: 'key' },
        ),
      );
    }
    const prevRole = claimRole(db.role, app.name);
    if (prevRole !== undefined) {
      out.push(
        finding('unique-database', app.origin, `app "${app.name}"'s PostgreSQL role "${db.role}" is also app "${prevRole}"'s role; rename one of the apps`, {
          at: 'key',
        }),
      );
    }
  }
  return out;
}

/**
 * A git repository under one spelling: scheme and host lowercased, no trailing "/" or ".git".
 * `ssh://git@Host/org/tools.git/` and `ssh://git@host/org/tools` are one repository.
 */
export function repositoryKey(url: string): string {
  let u = url
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/\/+$/, '');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/]*)(.*)$/.exec(u);
  if (m) u = `${m[1]!.toLowerCase()}${m[2]!.replace(/[^@]*$/, (host) => host.toLowerCase())}${m[3]}`;
  else {
    const scp = /^([^@/:]+@)?([^/:]+)(:.*)$/.exec(u); // git@host:org/repo
    if (scp) u = `${scp[1] ?? ''}${scp[2]!.toLowerCase()}${scp[3]}`;
  }
  return u;
}

function repoUrlFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  const claim = firstOwners<string>();
  for (const repo of model.repos) {
    const prev = claim(repositoryKey(repo.url), repo.id);
    if (prev !== undefined) {
      out.push(
        finding(
          'unique-repo-url',
          ['repos', repo.id, 'url'],
          `repos "${prev}" and "${repo.id}" point at one git repository (${repo.url}), so publish would push both ids' files to it and never settle; use one repo id for it`,
        ),
      );
    }
  }
  return out;
}
