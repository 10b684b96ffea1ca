import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseHcl } from '@cdktn/hcl2json';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadModel } from '../src/model';
import { renderTree } from '../src/render';
import { base64encode, characterSet, decode64, drawPassword, forEachKeys, instanceArguments } from './support/random-password';

/**
 * The guidebook's worked examples (../shared/seed/secrets-and-vso.md), checked fact by fact on
 * the output of the bundled apps.yaml, by parsing the generated YAML and HCL.
 */
const root = path.resolve(__dirname, '..');
const tree = renderTree(loadModel('apps.yaml', fs.readFileSync(path.join(root, 'apps.yaml'), 'utf8')).model);
const file = (repo: string, p: string): string => {
  const content = tree.get(repo)?.get(p);
  if (content === undefined) throw new Error(`not rendered: ${repo}/${p}`);
  return content;
};
type Obj = { kind: string; metadata: { name: string; namespace: string }; spec: Record<string, any> };
const objects = (repo: string, p: string): Obj[] => parseAllDocuments(file(repo, p)).map((d) => d.toJS() as Obj);
const find = (objs: Obj[], kind: string, name: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
};
const hcl = async (repo: string, p: string): Promise<Record<string, any>> => parseHcl(`${repo}/${p}`, file(repo, p));

describe('worked example: Plausible (tools namespace)', () => {
  const vso = objects('tools', 'plausible/resources/vso.gen.yaml');

  it('VaultAuth plausible: kubernetes method, role plausible, SA plausible, audiences [vault], in ns tools', () => {
    const auth = find(vso, 'VaultAuth', 'plausible');
    expect(auth.metadata.namespace).toBe('tools');
    expect(auth.spec).toMatchObject({
      method: 'kubernetes',
      mount: 'kubernetes',
      kubernetes: { role: 'plausible', serviceAccount: 'plausible', audiences: ['vault'] },
    });
  });

  it('VaultStaticSecrets: kvv2 plausible/config -> plausible-config and plausible/geoip -> plausible-geoip, refreshAfter 30s', () => {
    for (const s of ['config', 'geoip']) {
      const vss = find(vso, 'VaultStaticSecret', `plausible-${s}`);
      expect(vss.spec).toMatchObject({
        type: 'kv-v2',
        mount: 'kvv2',
        path: `plausible/${s}`,
        refreshAfter: '30s',
        vaultAuthRef: 'plausible',
        destination: { name: `plausible-${s}`, create: true },
      });
    }
  });

  it('VaultDynamicSecret plausible-db-credentials: postgres/creds/plausible, restarts Deployment plausible', () => {
    expect(find(vso, 'VaultDynamicSecret', 'plausible-db-credentials').spec).toMatchObject({
      mount: 'postgres',
      path: 'creds/plausible',
      destination: { name: 'plausible-db-credentials', create: true },
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'plausible' }],
    });
  });

  it('add-initcontainer: reads username/password from the db secret and writes DATABASE_URL into generated-secrets', () => {
    const [patch] = objects('tools', 'plausible/add-initcontainer.gen.yaml');
    expect(patch).toMatchObject({ kind: 'Deployment', metadata: { name: 'plausible', namespace: 'tools' } });
    const pod = patch!.spec.template.spec;
    const init = pod.initContainers[0];
    expect(init.command.join(' ')).toContain('postgres://${DB_USER}:${DB_PASS}@${DB_HOST}:${DB_PORT}/${DB_NAME}');
    expect(init.command.join(' ')).toContain('/generated-secrets/DATABASE_URL');
    expect(init.env.slice(0, 2)).toEqual([
      { name: 'DB_USER', valueFrom: { secretKeyRef: { name: 'plausible-db-credentials', key: 'username' } } },
      { name: 'DB_PASS', valueFrom: { secretKeyRef: { name: 'plausible-db-credentials', key: 'password' } } },
    ]);
    expect(pod.volumes).toEqual([{ name: 'generated-secrets', emptyDir: { medium: 'Memory' } }]);
    expect(pod.containers).toEqual([{ name: 'plausible', volumeMounts: [{ name: 'generated-secrets', mountPath: '/generated-secrets', readOnly: true }] }]);
  });

  it('IaC: SECRET_KEY_BASE and TOTP_VAULT_KEY from random_password, base64-encoded, written to kvv2/plausible/config; state prefix tools/plausible/main', async () => {
    const secrets = await hcl('tools', 'plausible/iac/secrets.gen.tf');
    expect(forEachKeys(secrets.resource.random_password.config[0])).toEqual(['SECRET_KEY_BASE', 'TOTP_VAULT_KEY']);
    const kv = secrets.resource.vault_kv_secret_v2.config[0];
    expect(kv).toMatchObject({ mount: 'kvv2', name: 'plausible/config' });
    expect(kv.data_json).toMatch(/base64encode\(password\.result\)/);
    expect(file('tools', 'plausible/iac/secrets.gen.tf')).not.toMatch(/data_json\s*=\s*"/);
    const backend = await hcl('tools', 'plausible/iac/backend.gen.tf');
    expect(backend.terraform[0].backend.gcs[0]).toEqual({ bucket: 'arcodange-tf', prefix: 'tools/plausible/main' });
    expect(backend.provider.vault[0].auth_login_jwt[0]).toEqual({ mount: 'gitea_jwt', role: 'gitea_cicd_plausible' });
    const roles = await hcl('tools', 'plausible/iac/app_roles.gen.tf');
    expect(roles.module.app_roles[0]).toMatchObject({ name: 'plausible', service_account_namespaces: ['tools'], database: 'plausible' });
  });
});

describe('Plausible boots with the generated kvv2/plausible/config (its config/runtime.exs)', () => {
  // VSO copies each kv string into the Secret, so Plausible's env values are the kv values.
  /** runtime.exs: Base.decode64 of TOTP_VAULT_KEY must succeed and give exactly 32 bytes. */
  const acceptsTotpVaultKey = (value: string) => decode64(value)?.length === 32;
  /** runtime.exs: SECRET_KEY_BASE must be at least 64 bytes. */
  const acceptsSecretKeyBase = (value: string) => Buffer.byteLength(value, 'utf8') >= 64;
  const password = async () => (await hcl('tools', 'plausible/iac/secrets.gen.tf')).resource.random_password.config[0];
  const samples = (args: Record<string, unknown>, n = 200) => Array.from({ length: n }, () => base64encode(drawPassword(args)));

  it('the Plausible checks are the real ones: `openssl rand -base64 32` passes, 31 or 33 bytes and bad base64 do not', () => {
    const openssl = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) % 256)).toString('base64');
    expect(acceptsTotpVaultKey(openssl(32))).toBe(true);
    expect([openssl(31), openssl(33), `openssl${openssl(32)}`, openssl(32).replace(/=$/, '')].map(acceptsTotpVaultKey)).toEqual([false, false, false, false]);
  });

  it("kv holds base64encode(result) of each key's own random_password instance", async () => {
    const kv = (await hcl('tools', 'plausible/iac/secrets.gen.tf')).resource.vault_kv_secret_v2.config[0];
    expect(kv).toMatchObject({ mount: 'kvv2', name: 'plausible/config' });
    expect(kv.data_json).toBe('${jsonencode({\n    for key, password in random_password.config : key => base64encode(password.result)\n  })}');
  });

  it('TOTP_VAULT_KEY: 32 characters from an ASCII set, so its base64 always decodes to exactly 32 bytes', async () => {
    const args = instanceArguments(await password(), 'TOTP_VAULT_KEY');
    expect(args.length).toBe(32);
    expect([...characterSet(args)].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    expect(samples(args).every(acceptsTotpVaultKey)).toBe(true);
  });

  it('the 64-character password joinkey rendered before, or any other length, would stop Plausible from booting', async () => {
    const args = instanceArguments(await password(), 'TOTP_VAULT_KEY');
    for (const length of [64, 31, 33, 44]) expect(samples({ ...args, length }, 20).some(acceptsTotpVaultKey), `length ${length}`).toBe(false);
  });

  it('SECRET_KEY_BASE: 64 characters, so at least 64 bytes (88 once base64-encoded)', async () => {
    const args = instanceArguments(await password(), 'SECRET_KEY_BASE');
    expect(args).toEqual({ length: 64, special: true });
    expect(samples(args).every((v) => acceptsSecretKeyBase(v) && decode64(v)!.length === 64)).toBe(true);
  });
});

describe('worked example: CrowdSec (tools namespace)', () => {
  const vso = objects('tools', 'crowdsec/templates/vso.gen.yaml');

  it('VaultAuth crowdsec (role crowdsec, SA crowdsec) and crowdsec-db-credentials restarting Deployment crowdsec-lapi', () => {
    expect(find(vso, 'VaultAuth', 'crowdsec').spec.kubernetes).toMatchObject({ role: 'crowdsec', serviceAccount: 'crowdsec' });
    expect(find(vso, 'VaultDynamicSecret', 'crowdsec-db-credentials').spec).toMatchObject({
      path: 'creds/crowdsec',
      destination: { name: 'crowdsec-db-credentials' },
      rolloutRestartTargets: [{ kind: 'Deployment', name: 'crowdsec-lapi' }],
    });
    expect(vso.map((o) => o.metadata.namespace)).toEqual(['tools', 'tools']);
  });
});

describe('worked example: CMS cloudflared', () => {
  it('VaultAuth cms-cloudflared logs in as SA cloudflared against role cms; kvv2 cms/cloudflared -> Secret cms-cloudflared', async () => {
    const vso = objects('cms', 'chart/templates/vso.gen.yaml');
    expect(find(vso, 'VaultAuth', 'cms-cloudflared').spec.kubernetes).toMatchObject({ role: 'cms', serviceAccount: 'cloudflared' });
    expect(find(vso, 'VaultStaticSecret', 'cms-cloudflared').spec).toMatchObject({
      mount: 'kvv2',
      path: 'cms/cloudflared',
      vaultAuthRef: 'cms-cloudflared',
      destination: { name: 'cms-cloudflared' },
    });
    expect(vso.some((o) => o.kind === 'VaultDynamicSecret')).toBe(false);
    const roles = await hcl('cms', 'iac/app_roles.gen.tf');
    expect(roles.module.app_roles[0]).toMatchObject({ name: 'cms', service_account_names: ['cloudflared'], disable_database: true });
  });
});

describe('factory_auth.tf: factory_crowdsec_conf', () => {
  it('binds SA factory-ansible-tool-crowdsec-traefik-plugin in ns kube-system, token_ttl 3600, policy read,list on kvv2/data/cms/factory/*', async () => {
    const consumers = await hcl('tools', 'hashicorp-vault/iac/consumers.gen.tf');
    const role = consumers.resource.vault_kubernetes_auth_backend_role.factory_crowdsec_conf[0];
    expect(role).toMatchObject({
      role_name: 'factory_crowdsec_conf',
      bound_service_account_names: ['factory-ansible-tool-crowdsec-traefik-plugin'],
      bound_service_account_namespaces: ['kube-system'],
      token_ttl: 3600,
      token_policies: ['default', 'factory_crowdsec_conf'],
    });
    expect(consumers.data.vault_policy_document.factory_crowdsec_conf[0].rule).toEqual([{ path: 'kvv2/data/cms/factory/*', capabilities: ['read', 'list'] }]);
    expect(consumers.resource.vault_policy.factory_crowdsec_conf[0].name).toBe('factory_crowdsec_conf');
  });
});

describe('terraform.tfvars: the applications table', () => {
  it('holds the five apps with the guidebook extras, under the key variables.tf declares (policies, not ops_policies)', async () => {
    const { applications } = await hcl('tools', 'hashicorp-vault/iac/applications.gen.auto.tfvars');
    expect(applications).toEqual({
      webapp: {},
      erp: {},
      cms: { service_account_names: ['cloudflared'], policies: ['factory__cf_r2_arcodange_tf'] },
      crowdsec: { service_account_namespaces: ['tools'] },
      plausible: { service_account_namespaces: ['tools'] },
    });
  });

  it('factory gets <app>_role owning database <app> for every app with a database, and none for cms', async () => {
    const { applications } = await hcl('factory', 'postgres/iac/databases.gen.auto.tfvars');
    expect(applications).toEqual({
      crowdsec: { role: 'crowdsec_role', database: 'crowdsec' },
      erp: { role: 'erp_role', database: 'erp' },
      plausible: { role: 'plausible_role', database: 'plausible' },
      webapp: { role: 'webapp_role', database: 'webapp' },
    });
  });
});
