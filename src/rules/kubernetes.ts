import type { Model } from '../model/model';
import { branchNameProblem, secretKeyProblem } from '../model/names';
import { finding, type Finding } from './finding';

/**
 * What Kubernetes, Helm and git refuse although the schema lets it through: Secret data keys
 * (IsConfigMapKey), the init-container patch inside a Helm chart's templates/, branch names.
 */
export function platformFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  for (const app of model.apps) {
    for (const s of app.secrets) {
      for (const list of ['keys', 'generate'] as const) {
        s[list].forEach((key) => {
          const problem = secretKeyProblem(key);
          if (problem)
            out.push(
              finding(
                'secret-key',
                [...s.origin, list],
                `secret key "${key}" cannot be a key of Secret ${s.namespace}/${s.k8sSecretName}: ${problem}; rename it, e.g. LICENSE_KEY`,
              ),
            );
        });
      }
    }
    const patch = app.target?.files.initContainerPatch;
    if (patch && patch.split('/').slice(0, -1).includes('templates')) {
      out.push(
        finding(
          'helm-template-patch',
          [...app.origin, 'manifests'],
          `the init-container patch ${app.target.repo}:${patch} (a partial Deployment for kustomize) would lie in a Helm templates/ dir, where Helm applies every file as a whole manifest and the partial Deployment fails; move manifests so that its parent dir is not under templates/, e.g. manifests: ${app.name}/resources`,
          { at: 'key' },
        ),
      );
    }
  }
  for (const repo of model.repos) {
    const problem = branchNameProblem(repo.branch);
    if (problem)
      out.push(finding('branch-name', ['repos', repo.id, 'branch'], `branch "${repo.branch}" is not a valid git branch name: ${problem}; e.g. main`));
  }
  return out;
}
