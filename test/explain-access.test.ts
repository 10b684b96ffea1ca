import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { explainAccess, formatAppAccess, grantsOf, modelAccessState } from '../src/access/explain';
import { hcl2jsonParser } from '../src/inventory';
import { readReposDir } from '../src/inventory/load';
import { loadModel } from '../src/model';
import { renderTree } from '../src/render';
import { runCli, tempDir } from './support/cli-run';
import { BUNDLED_APPS_YAML, bundledWithConsumer, PLATFORM_FIXTURE, PLATFORM_REPOS } from './support/platform';

/** `joinkey explain <app> --access`: the app's identities and what each can do, from apps.yaml or the repos. */

const APPS_YAML = fs.readFileSync(BUNDLED_APPS_YAML, 'utf8');
const model = (text: string) => loadModel('apps.yaml', text).model;
const parser = hcl2jsonParser();
const FIXTURE = readReposDir(PLATFORM_FIXTURE, PLATFORM_REPOS);
const grantRows = (a: NonNullable<Awaited<ReturnType<typeof explainAccess>>>) =>
  a.grants.map((g) => `${g.subject} ${g.path} ${g.denied ? 'deny' : g.capabilities.join(',')} ${g.policies.join(',')}${g.via ? ` via ${g.via}` : ''}`);

describe('explainAccess from apps.yaml (no repos)', () => {
  test('GIVEN plausible THEN its two pairs read its kv space and credentials, its CI role manages its space, each with the policy that grants it', async () => {
    const m = model(APPS_YAML);
    const a = (await explainAccess(m, 'plausible', renderTree(m), { parser }))!;
    expect(a.subjects).toEqual([
      { id: 'jwt gitea_jwt gitea_cicd_plausible', policies: ['default', 'plausible-ops'] },
      { id: 'kubernetes kubernetes plausible/plausible', policies: ['default', 'plausible'] },
      { id: 'kubernetes kubernetes tools/plausible', policies: ['default', 'plausible'] },
    ]);
    const crud = 'create,read,update,delete,list plausible-ops';
    expect(grantRows(a)).toEqual([
      `jwt gitea_jwt gitea_cicd_plausible auth/kubernetes/role/plausible* ${crud}`,
      `jwt gitea_jwt gitea_cicd_plausible kvv1/cloudflare/plausible* ${crud}`,
      `jwt gitea_jwt gitea_cicd_plausible kvv1/ovh/plausible* ${crud}`,
      `jwt gitea_jwt gitea_cicd_plausible kvv2/data/plausible/* ${crud}`,
      `jwt gitea_jwt gitea_cicd_plausible kvv2/delete/plausible/* ${crud}`,
      `jwt gitea_jwt gitea_cicd_plausible kvv2/destroy/plausible/* ${crud}`,
      `jwt gitea_jwt gitea_cicd_plausible kvv2/metadata/plausible/* ${crud}`,
      `jwt gitea_jwt gitea_cicd_plausible kvv2/undelete/plausible/* ${crud}`,
      `jwt gitea_jwt gitea_cicd_plausible postgres/roles/plausible* ${crud}`,
      'kubernetes kubernetes plausible/plausible kvv2/data/plausible/* read,list plausible',
      'kubernetes kubernetes plausible/plausible postgres/creds/plausible* read plausible',
      'kubernetes kubernetes tools/plausible kvv2/data/plausible/* read,list plausible',
      'kubernetes kubernetes tools/plausible postgres/creds/plausible* read plausible',
    ]);
    expect(a.changes).toBeUndefined();
    expect(a.notes).toEqual([
      "policy default (carried by 3 of these identities) is not declared in the files read (Vault's built-in policy): what it grants is not shown",
    ]);
  });

  test.each([
    ['cms', 'kubernetes kubernetes kube-system/factory-ansible-tool-crowdsec-traefik-plugin', 'kvv2/data/cms/factory/*'],
    ['plausible', 'kubernetes kubernetes monitoring/geoipupdate', 'kvv2/data/plausible/geoip'],
    ['crowdsec', 'kubernetes kubernetes tools/bouncer', 'kvv2/data/crowdsec/lapi'],
  ])('GIVEN a consumer reading %s THEN it is among the identities, reading its path with its own policy (from the render)', async (app, subject, read) => {
    const sa = subject.split('/')[1]!;
    const ns = subject.split(' ')[2]!.split('/')[0]!;
    const text = app === 'cms' ? APPS_YAML : bundledWithConsumer(`${sa}-reader`, sa, ns, [read.replace('kvv2/data/', '')]);
    const m = model(text);
    const a = (await explainAccess(m, app, renderTree(m), { parser }))!;
    const policy = app === 'cms' ? 'factory_crowdsec_conf' : `${sa}-reader`;
    expect(a.subjects).toContainEqual({ id: subject, policies: ['default', policy].sort() });
    expect(grantRows(a).filter((r) => r.startsWith(subject))).toEqual([`${subject} ${read} read,list ${policy}`]);
  });

  test('GIVEN an unknown app THEN undefined (the CLI names the known ones)', async () => {
    const m = model(APPS_YAML);
    expect(await explainAccess(m, 'nope', renderTree(m), { parser })).toBeUndefined();
  });
});

describe('explainAccess against the repos', () => {
  test('GIVEN the platform fixture and a new consumer of plausible THEN the state is the published one and the change shows what it gains', async () => {
    const m = model(bundledWithConsumer('geoip-reader', 'geoipupdate', 'monitoring', ['plausible/geoip']));
    const a = (await explainAccess(m, 'plausible', renderTree(m), { parser, checkouts: FIXTURE, source: 'repos' }))!;
    expect(a.source).toBe('repos');
    expect(a.changes!.flatMap((s) => s.changes.map((c) => `${s.subject} ${c.path} +${c.gained} -${c.lost}`))).toEqual([
      'kubernetes kubernetes monitoring/geoipupdate kvv2/data/plausible/geoip +read,list -',
    ]);
    // the pairs come from the roles in the repos (the app_roles module the app's IaC calls)
    expect(grantRows(a).filter((r) => r.startsWith('kubernetes kubernetes tools/plausible'))).toEqual([
      'kubernetes kubernetes tools/plausible kvv2/data/plausible/* read,list plausible',
      'kubernetes kubernetes tools/plausible postgres/creds/plausible* read plausible',
    ]);
    // the ops policy's text is a file() the repos do not hold: said, not guessed
    expect(a.notes).toContain(
      'tools/hashicorp-vault/iac module.app_policy["plausible"].vault_policy.ops: policy plausible-ops: its text is not known from the files (only literal text and data.vault_policy_document are read): the access it grants is not reviewed',
    );
    expect(a.notes.some((n) => n.includes('["crowdsec"]'))).toBe(false);
    // its CI role's token_policies read an attribute the applications map leaves to the type's optional() default (policies = [])
    expect(a.subjects).toContainEqual({ id: 'jwt gitea_jwt gitea_cicd_plausible', policies: ['default', 'plausible-ops'] });
    expect(a.notes.some((n) => n.includes('cannot log in'))).toBe(false);
    const text = formatAppAccess(a);
    expect(text).toMatch(/\njwt gitea_jwt gitea_cicd_plausible +default, plausible-ops\n/);
    expect(text).toContain('Change against repos:\nIDENTITY                                      VAULT PATH                 GAINS       LOSES\n');
    expect(text).toContain('kubernetes kubernetes monitoring/geoipupdate  kvv2/data/plausible/geoip  read, list  -\n');
  });

  test('GIVEN repos without any role for the app THEN its model identities are listed as unable to log in', async () => {
    const m = model(APPS_YAML);
    const a = (await explainAccess(m, 'erp', renderTree(m), { parser, checkouts: new Map([['factory', new Map()]]) }))!;
    expect(a.notes).toContain('kubernetes kubernetes erp/erp: no role in the files read binds it, so it cannot log in');
    expect(a.grants).toEqual([]);
    expect(formatAppAccess(a)).toContain('No policy of these identities grants a path.');
  });
});

describe('grantsOf', () => {
  test('GIVEN a deny and a broader glob THEN each written path shows its winner, with the deciding pattern when it is not the path', () => {
    const state = {
      subjects: [{ id: 's', policies: ['a', 'b'] }],
      policies: {
        a: [{ path: 'kvv2/data/app/*', capabilities: ['read'] }],
        b: [
          { path: 'kvv2/data/app/secret', capabilities: ['deny'] },
          { path: 'kvv2/data/+/config', capabilities: ['list'] },
        ],
      },
    };
    expect(grantsOf(state, ['s', 'nobody'])).toEqual([
      { subject: 's', path: 'kvv2/data/+/config', capabilities: ['list'], denied: false, policies: ['b'] },
      { subject: 's', path: 'kvv2/data/app/*', capabilities: ['read'], denied: false, policies: ['a'] },
      { subject: 's', path: 'kvv2/data/app/config', capabilities: ['read'], denied: false, policies: ['a'], via: 'kvv2/data/app/*' },
      { subject: 's', path: 'kvv2/data/app/secret', capabilities: [], denied: true, policies: ['b'] },
    ]);
  });
  test('modelAccessState: every app of the model, its pairs and CI role', () => {
    const s = modelAccessState(model(APPS_YAML));
    expect(s.subjects.map((x) => x.id)).toContain('kubernetes kubernetes crowdsec/crowdsec');
    expect(s.subjects.map((x) => x.id)).toContain('jwt gitea_jwt gitea_cicd_webapp');
    expect(s.subjects).toHaveLength(5 + 2 + 2 + 2 + 1 + 1); // 5 CI roles; pairs: cms 2 (two SAs), crowdsec 2 and plausible 2 (two namespaces), erp 1, webapp 1
  });
});

describe('joinkey explain --access (CLI)', () => {
  const dir = tempDir('explain-access');
  fs.writeFileSync(path.join(dir, 'apps.yaml'), APPS_YAML);
  fs.cpSync(PLATFORM_FIXTURE, path.join(dir, 'repos'), { recursive: true });

  test('GIVEN --access THEN the text view; GIVEN --format json THEN the same as JSON', async () => {
    const text = await runCli(['explain', 'cms', '--access'], dir);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toMatch(/^Access of cms \(from apps\.yaml\): 4 identities\n\nIDENTITY +TOKEN POLICIES\n/);
    expect(text.stdout).toMatch(/\nkubernetes kubernetes cms\/cloudflared +kvv2\/data\/cms\/\* +read, list +cms\n/);
    const json = await runCli(['explain', 'cms', '--access', '--format', 'json'], dir);
    expect(JSON.parse(json.stdout)).toMatchObject({ app: 'cms', source: 'apps.yaml', subjects: expect.any(Array), grants: expect.any(Array) });
  });

  test('GIVEN --repos-dir THEN the change against the repos is shown', async () => {
    const r = await runCli(['explain', 'cms', '--access', '--repos-dir', 'repos'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Access of cms (from repos): 4 identities');
    expect(r.stdout).toContain('Change against repos:\nNo identity of it gains or loses access.\n');
  });

  test.each([
    [['explain', 'cms', '--repos-dir', 'repos'], '--repos-dir goes with --access: "joinkey explain <app> --access --repos-dir DIR"'],
    [
      ['explain', 'cms', '--access', '--repos-dir', 'nowhere'],
      '--repos-dir nowhere is not a directory; pass the dir that holds the checkouts as <dir>/<repo id>',
    ],
    [['explain', 'nope', '--access'], 'no app "nope" in apps.yaml; known apps: cms, crowdsec, erp, plausible, webapp'],
  ])('GIVEN %j THEN exit 1 with a message that says what to do', async (argv, message) => {
    const r = await runCli(argv, dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  });
});
