import type { Path } from '../config/source';
import type { Model } from '../model/model';
import { ownershipFileIn } from '../ownership';

/** One file an output of the model writes into a repo: who writes it, and where apps.yaml declares it. */
export interface FileTarget {
  readonly repo: string;
  readonly path: string;
  /** `app "web"'s vso file`, `the applications map`, ... */
  readonly what: string;
  /** `app "web"`, `central.vault`, ... */
  readonly owner: string;
  /** The apps.yaml key of the dir the file goes into (manifests, iac, central.vault, ...). */
  readonly origin: Path;
  /** The apps.yaml entry that declares the writer: the app, or central. */
  readonly entity: Path;
}

/**
 * Every file synth writes into the target repos, from the model alone: each app's files, the
 * central files, and each repo's ownership list (the docs go to their own dir, OUT/docs).
 */
export function fileTargets(model: Model): FileTarget[] {
  const { vault, postgres } = model.central;
  const out: FileTarget[] = [
    { repo: vault.repo, path: vault.applicationsFile, what: 'the applications map', owner: 'central.vault', origin: ['central', 'vault'], entity: ['central'] },
    { repo: vault.repo, path: vault.consumersFile, what: 'the consumers file', owner: 'central.vault', origin: ['consumers'], entity: ['central'] },
    {
      repo: postgres.repo,
      path: postgres.databasesFile,
      what: 'the databases file',
      owner: 'central.postgres',
      origin: ['central', 'postgres'],
      entity: ['central'],
    },
  ];
  for (const app of model.apps) {
    if (!app.target) continue;
    for (const [kind, path] of Object.entries(app.target.files)) {
      if (!path) continue;
      const key = kind === 'vso' || kind === 'initContainerPatch' ? 'manifests' : 'iac';
      out.push({
        repo: app.target.repo,
        path,
        what: `app "${app.name}"'s ${kind} file`,
        owner: `app "${app.name}"`,
        origin: [...app.origin, key],
        entity: app.origin,
      });
    }
  }
  for (const repo of model.repos)
    out.push({
      repo: repo.id,
      path: ownershipFileIn(repo.path),
      what: "joinkey's list of owned files",
      owner: 'joinkey',
      origin: ['repos', repo.id],
      entity: ['repos', repo.id],
    });
  return out;
}
