import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';

/** test/fixtures/platform: the guidebook's three repos as they are run by hand (its README says where each file comes from). */
export const PLATFORM_FIXTURE = join(__dirname, '..', 'fixtures', 'platform');
export const PLATFORM_REPOS = ['tools', 'factory', 'cms'] as const;
/** The bundled apps.yaml, whose render conflicts with the fixture in 23 places. */
export const BUNDLED_APPS_YAML = join(__dirname, '..', '..', 'apps.yaml');

/** The hand-written side of every conflict between the fixture and the render of the bundled apps.yaml, whole files. */
export const HAND_WRITTEN_SIDE = [
  'cms/iac/main.tf',
  'factory/postgres/iac/terraform.tfvars',
  'tools/crowdsec/iac/main.tf',
  'tools/crowdsec/templates/vaultauth.yaml',
  'tools/crowdsec/templates/vaultdynamicsecret.yaml',
  'tools/hashicorp-vault/iac/factory_auth.tf',
  'tools/hashicorp-vault/iac/terraform.tfvars',
  'tools/plausible/iac/main.tf',
  'tools/plausible/resources/geoipsecret.yaml',
  'tools/plausible/resources/vaultauth.yaml',
  'tools/plausible/resources/vaultdynamicsecret.yaml',
  'tools/plausible/resources/vaultsecret.yaml',
] as const;

/** The bundled apps.yaml with a consumer added (its comments and order kept). */
export function bundledWithConsumer(name: string, serviceAccount: string, namespace: string, reads: readonly string[]): string {
  const doc = parseDocument(readFileSync(BUNDLED_APPS_YAML, 'utf8'));
  doc.setIn(['consumers', name], { serviceAccount, namespace, reads: [...reads] });
  return doc.toString();
}
