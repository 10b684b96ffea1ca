import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, parseDocument, stringify } from 'yaml';
import { adopt, type AdoptResult } from '../src/adopt';
import { ADOPT_MOVES_FILE } from '../src/adopt/hand-over';
import { run as adoptCommand } from '../src/commands/adopt';
import { run as publish } from '../src/commands/publish';
import { findLiveConflicts, hcl2jsonParser, inventoryRepos } from '../src/inventory';
import { liveChangePlan } from '../src/live';
import { DESTRUCTIVE_LABEL } from '../src/publish/live';
import { OWNERSHIP_FILE } from '../src/render/files';
import { captureIo, freshFixtures, type Fixture } from './support/git-fixture';
import { GiteaDouble } from './support/gitea-double';
import { SwaggerChecker } from './support/swagger';
import { PLATFORM_FIXTURE, PLATFORM_MESSY_FIXTURE, PLATFORM_REPOS } from './support/platform';

/**
 * Issue 10's acceptance of `publish --adopt`, on real bare repos whose main holds a hand-written
 * platform (the guidebook's, and a messier one): `joinkey adopt --repos-dir` writes apps.yaml,
 * `joinkey publish --adopt --no-pr` pushes one commit per repo that adds the generated files and
 * removes what they supersede. On the bot branches then: no object, backend, provider, module
 * call or resource twice; no kustomization naming a missing file (kubectl kustomize builds each);
 * no reference to a removed tofu block; every hand-written file not superseded byte-identical;
 * and the change plan from main destroys, replaces and rotates nothing.
 */

const BOT = 'joinkey/sync';
const fresh = freshFixtures(PLATFORM_REPOS);
const parser = hcl2jsonParser();

/** Bare repos whose main is `fixture`, checkouts of them, and the apps.yaml `joinkey adopt` writes from those. */
async function adoptedPlatform(fixture: string, edit?: (fx: Fixture, dir: string) => void) {
  const fx = await fresh();
  const checkouts = join(fx.root, 'checkouts');
  for (const id of PLATFORM_REPOS) {
    const human = await fx.humanClone(id);
    cpSync(join(fixture, id), human.dir, { recursive: true });
    edit?.(fx, join(human.dir));
    await human.git.add('.');
    await human.git.commit(`the hand-written ${id}`);
    await human.git.raw(['push', '--quiet', 'origin', 'main']);
    mkdirSync(checkouts, { recursive: true });
    await fx.git(fx.root).raw(['clone', '--quiet', fx.bare(id), join(checkouts, id)]);
  }
  const cwd = join(fx.root, 'work');
  mkdirSync(cwd, { recursive: true });
  const cli = async (command: typeof publish, ...args: string[]) => {
    const io = captureIo(cwd, { ...fx.env, GITEA_TOKEN: undefined });
    const code = await command(args, io);
    return { code, out: io.out(), err: io.err() };
  };
  const adopted = await cli(adoptCommand, '--repos-dir', checkouts, '--out', 'apps.yaml');
  expect(adopted.code, adopted.err).toBe(0);
  return { fx, cwd, cli };
}

/** Every file of `ref` in each bare repo. */
async function treesAt(fx: Fixture, ref: (id: string) => string): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  for (const id of PLATFORM_REPOS) {
    const files = new Map<string, string>();
    for (const path of await fx.ls(id, ref(id))) files.set(path, (await fx.show(id, ref(id), path))!);
    out.set(id, files);
  }
  return out;
}

/** The repo written out, for kubectl. */
function checkout(root: string, files: ReadonlyMap<string, string>): string {
  rmSync(root, { recursive: true, force: true });
  for (const [path, content] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** `type.name` of every resource and data source, `module.x`, `var.x`, `local.x` a root module declares (hcl2json JSON of its .tf files). */
async function declared(files: readonly [string, string][]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const [path, content] of files) {
    const body = await parser.parse(posix.basename(path), content);
    const blocks = (key: string) => (body[key] ?? {}) as Record<string, unknown>;
    for (const [type, byName] of Object.entries(blocks('resource'))) for (const name of Object.keys(byName as object)) out.add(`${type}.${name}`);
    for (const [type, byName] of Object.entries(blocks('data'))) for (const name of Object.keys(byName as object)) out.add(`data.${type}.${name}`);
    for (const name of Object.keys(blocks('module'))) out.add(`module.${name}`);
    for (const name of Object.keys(blocks('variable'))) out.add(`var.${name}`);
    for (const locals of (body.locals ?? []) as Record<string, unknown>[]) for (const name of Object.keys(locals)) out.add(`local.${name}`);
  }
  return out;
}

/** The references of a root module's .tf files that name nothing it declares (moved blocks' `from` addresses are gone on purpose). */
async function danglingReferences(files: ReadonlyMap<string, string>): Promise<string[]> {
  const out: string[] = [];
  const dirs = new Set([...files.keys()].filter((p) => p.endsWith('.tf') && !/(^|\/)modules\//.test(p)).map((p) => posix.dirname(p)));
  for (const dir of dirs) {
    const tf = [...files].filter(([p]) => posix.dirname(p) === dir && p.endsWith('.tf'));
    const names = await declared(tf);
    for (const [path, content] of tf) {
      const code = content
        .replace(/#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '')
        .replace(/"(?:[^"\\]|\\.)*"/g, (s) => s.replace(/[^$]*\$\{([^}]*)\}[^$]*/g, ' $1 ').replace(/^"[^$]*"$/, '""'))
        .replace(/^\s*from\s*=.*$/gm, '');
      for (const m of code.matchAll(
        /\b(data\.[a-z0-9_]+\.[A-Za-z0-9_-]+|(?:vault|random|postgresql|kubernetes)_[a-z0-9_]+\.[A-Za-z_][A-Za-z0-9_-]*|module\.[A-Za-z_][\w-]*|var\.[A-Za-z_][\w-]*|local\.[A-Za-z_][\w-]*)/g,
      )) {
        const ref = m[1]!;
        // a block header (resource "vault_policy" "x") is no reference; attribute access past the name is cut by the pattern
        if (!names.has(ref)) out.push(`${path}: ${ref}`);
      }
    }
  }
  return [...new Set(out)].sort();
}

/** The effects the hand-over may not have: a destroy, replace or rotation, as `effect object`. */
const destructive = (plan: Awaited<ReturnType<typeof liveChangePlan>>) =>
  plan.effects
    .filter((e) => e.effect === 'destroy' || e.effect === 'replace' || e.effect === 'rotate')
    .map((e) => `${e.effect} ${e.object === 'tofu' ? `${e.repo}/${e.module} ${e.address}` : `${e.repo} ${e.identity}`}`);

describe.each([
  ['the guidebook platform', PLATFORM_FIXTURE],
  ['the messier platform', PLATFORM_MESSY_FIXTURE],
])('GIVEN %s on main and the apps.yaml joinkey adopt wrote', (_name, fixture) => {
  it('WHEN publish --adopt --no-pr THEN each repo gets one commit that leaves nothing twice, nothing dangling, the rest byte for byte, and no destroy, replace or rotation', async () => {
    const { fx, cli } = await adoptedPlatform(fixture);
    const r = await cli(publish, '--adopt', '--no-pr');
    expect(r.code, r.out + r.err).toBe(0);
    for (const id of PLATFORM_REPOS) expect(r.out).toMatch(new RegExp(`\\n  ${id}\\s+pushed ${BOT}`));
    expect(r.out).toMatch(/hand-over: \d+ hand-written files? deleted, \d+ edited, \d+ added/);

    const base = await treesAt(fx, () => 'main');
    const bot = await treesAt(fx, () => BOT);
    for (const id of PLATFORM_REPOS) expect((await fx.git(fx.bare(id)).raw(['rev-list', '--count', `main..${BOT}`])).trim()).toBe('1');

    // nothing twice: the inventory of the bot branches finds no duplicate object, backend, provider, module call or resource
    const conflicts = findLiveConflicts(await inventoryRepos(bot, { parser }));
    expect(conflicts.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual([]);

    // nothing dangling: kustomize builds every kustomization, and every tofu reference names a block that is there
    for (const [id, files] of bot) {
      const dir = checkout(join(fx.root, 'built', id), files);
      for (const k of [...files.keys()].filter((p) => /(^|\/)kustomization\.ya?ml$/.test(p))) {
        // helmCharts would fetch the chart over the network: a stand-in holds the workloads its patches target
        const kustomization = parse(files.get(k)!) as Record<string, unknown>;
        if (kustomization.helmCharts) {
          delete kustomization.helmCharts;
          const targets = ((kustomization.patches ?? []) as { path?: string }[]).flatMap((p) =>
            p.path === undefined ? [] : parseAllDocuments(files.get(posix.join(posix.dirname(k), p.path)) ?? '').map((d) => d.toJSON() as Record<string, any>),
          );
          const standIn = targets.map((t) =>
            stringify({
              apiVersion: t.apiVersion,
              kind: t.kind,
              metadata: { name: t.metadata?.name, ...(t.metadata?.namespace ? { namespace: t.metadata.namespace } : {}) },
              spec: { template: { spec: { containers: [{ name: 'app', image: 'chart' }] } } },
            }),
          );
          writeFileSync(join(dir, posix.dirname(k), 'chart-stand-in.yaml'), standIn.join('---\n'));
          kustomization.resources = [...((kustomization.resources ?? []) as string[]), 'chart-stand-in.yaml'];
        }
        writeFileSync(join(dir, k), stringify(kustomization));
        expect(() => execFileSync('kubectl', ['kustomize', join(dir, posix.dirname(k))], { stdio: 'pipe' }), `${id}/${k}`).not.toThrow();
      }
      expect(await danglingReferences(files), id).toEqual([]);
    }

    // the rest byte for byte: what changed is generated, superseded, a kustomization naming a superseded file, or the moved blocks
    const result: AdoptResult = await adopt(base, { parser });
    const superseded = new Set(result.superseded.map((s) => `${s.at.repo}/${s.at.path}`));
    for (const id of PLATFORM_REPOS) {
      const generated = new Set(Object.keys((JSON.parse(bot.get(id)!.get(OWNERSHIP_FILE)!) as { files: Record<string, string> }).files));
      const before = base.get(id)!;
      const after = bot.get(id)!;
      for (const [path, content] of before) {
        if (after.get(path) === content) continue;
        expect(superseded.has(`${id}/${path}`) || /(^|\/)kustomization\.ya?ml$/.test(path) || generated.has(path), `${id}/${path} changed`).toBe(true);
      }
      for (const path of after.keys())
        if (!before.has(path))
          expect(generated.has(path) || path === OWNERSHIP_FILE || posix.basename(path) === ADOPT_MOVES_FILE, `${id}/${path} added`).toBe(true);
      // a superseded file that is also kept was cut at its blocks: what stays of it is byte-identical text of the original
      for (const [path, content] of after)
        if (superseded.has(`${id}/${path}`) && before.has(path) && !generated.has(path))
          for (const chunk of content.split(/\n{2,}/).filter((c) => c.trim())) expect(before.get(path)!, `${id}/${path}`).toContain(chunk.trim());
    }

    // no destroy, replace or rotation: only the objects of the applier's namespace adopt placed in the one it reported
    const plan = await liveChangePlan(base, bot, { parser });
    const reviewed = result.findings.filter((f) => f.rule === 'adopt-review' && /namespace of whoever applies them/.test(f.message));
    for (const line of destructive(plan)) {
      expect(line, 'only an applier-namespace object may be planned as destroyed').toMatch(/^destroy \S+ \S+\/[A-Za-z]+\/\/[^/]+$/);
      expect(reviewed.length, line).toBeGreaterThan(0);
    }
    // ... and nothing new: each create is such an object back in its namespace (a patch no kustomization names would be a Deployment created)
    const creates = plan.effects.filter((e) => e.effect === 'create');
    for (const c of creates)
      expect(
        plan.effects.some(
          (d) =>
            d.effect === 'destroy' && d.object === 'kubernetes' && c.object === 'kubernetes' && d.kind === c.kind && d.name === c.name && d.namespace === '',
        ),
        `create ${c.object === 'tofu' ? c.address : c.identity}`,
      ).toBe(true);
    expect(plan.effects.filter((e) => e.object === 'tofu' && e.movedFrom !== undefined).length).toBeGreaterThanOrEqual(3);

    // a second run pushes nothing; once merged, publish with and without --adopt has nothing to do
    const again = await cli(publish, '--adopt', '--no-pr');
    expect(again.code, again.out + again.err).toBe(0);
    for (const id of PLATFORM_REPOS) expect(again.out).toMatch(new RegExp(`\\n  ${id}\\s+${BOT} already up to date`));
    for (const id of PLATFORM_REPOS) await fx.git(fx.bare(id)).raw(['update-ref', 'refs/heads/main', `refs/heads/${BOT}`]);
    for (const args of [['--adopt', '--no-pr'], ['--no-pr']]) {
      const merged = await cli(publish, ...args);
      expect(merged.code, merged.out + merged.err).toBe(0);
      for (const id of PLATFORM_REPOS) expect(merged.out, args.join(' ')).toMatch(new RegExp(`\\n  ${id}\\s+main already holds the generated files`));
    }
  }, 300_000);
});

describe('publish --adopt refuses what it cannot hand over unchanged, repo by repo', () => {
  /** The adopted apps.yaml, edited. */
  const editAppsYaml = (cwd: string, edit: (doc: ReturnType<typeof parseDocument>) => void) => {
    const doc = parseDocument(readFileSync(join(cwd, 'apps.yaml'), 'utf8'));
    edit(doc);
    writeFileSync(join(cwd, 'apps.yaml'), doc.toString());
  };

  it('GIVEN plausible taken out of the adopted apps.yaml THEN its files stay hand-written, and tools and factory are refused: the central maps without it would destroy its roles and database', async () => {
    const { fx, cwd, cli } = await adoptedPlatform(PLATFORM_FIXTURE);
    editAppsYaml(cwd, (doc) => doc.deleteIn(['apps', 'plausible']));
    const before = await Promise.all(PLATFORM_REPOS.map((id) => fx.heads(id)));
    const r = await cli(publish, '--adopt', '--no-pr');
    expect(r.code, r.out + r.err).toBe(1);
    for (const id of ['tools', 'factory']) {
      expect(r.out).toMatch(
        new RegExp(`\\n  ${id}\\s+REFUSED \\([^)]*the hand-over \\(--adopt\\) would change live objects or cannot be proven\\), nothing pushed`),
      );
      expect(await fx.heads(id)).toEqual(before[PLATFORM_REPOS.indexOf(id as (typeof PLATFORM_REPOS)[number])]);
    }
    expect(r.out).toMatch(
      /hand-over: publish --adopt hands over with no live change, but this would destroy tools\/hashicorp-vault\/iac module\.app_policy\["plausible"\]\./,
    );
    expect(r.out).toMatch(
      /hand-over: publish --adopt hands over with no live change, but this would destroy factory\/postgres\/iac postgresql_database\.\w+\["plausible"\]/,
    );
    // cms has nothing of plausible: handed over
    expect(r.out).toMatch(/\n {2}cms\s+pushed joinkey\/sync/);
    // plausible's own files were never going to be deleted
    expect(r.out).not.toMatch(/delete {2}plausible\//);
  }, 300_000);

  it('GIVEN the adopted apps.yaml giving plausible another state prefix THEN tools is refused: the state of its project would move to an empty one', async () => {
    const { fx, cwd, cli } = await adoptedPlatform(PLATFORM_FIXTURE);
    editAppsYaml(cwd, (doc) => doc.setIn(['apps', 'plausible', 'statePrefix'], 'tools/plausible/elsewhere'));
    const toolsBefore = await fx.heads('tools');
    const r = await cli(publish, '--adopt', '--no-pr');
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(
      /\n {2}hand-over: the state of tools\/plausible\/iac would move from backend \{"gcs":\[\{"bucket":"arcodange-tf","prefix":"tools\/plausible\/main"\}\]\} to \{"gcs":\[\{"bucket":"arcodange-tf","prefix":"tools\/plausible\/elsewhere"\}\]\}: tofu would create every object of it again/,
    );
    expect(await fx.heads('tools')).toEqual(toolsBefore);
    for (const id of ['factory', 'cms']) expect(r.out).toMatch(new RegExp(`\\n  ${id}\\s+pushed joinkey/sync`));
  }, 300_000);

  it('GIVEN a hand-written adopt-moves.tf where the moved blocks go THEN tools is refused naming it, nothing is written over, and the other repos are handed over', async () => {
    const { fx, cli } = await adoptedPlatform(PLATFORM_FIXTURE, (_fx, dir) => {
      if (dir.includes('tools')) writeFileSync(join(dir, 'plausible', 'iac', ADOPT_MOVES_FILE), '# my own notes\n');
    });
    const toolsBefore = await fx.heads('tools');
    const r = await cli(publish, '--adopt', '--no-pr');
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toContain(
      `hand-over: the hand-over cannot be proven: plausible/iac/${ADOPT_MOVES_FILE} exists, and adopt writes its moved blocks there; rename that file, then publish --adopt again; remove by hand: crowdsec/iac/main.tf:2 terraform.backend "gcs", `,
    );
    expect(r.out).toMatch(/remove by hand: [^\n]*, plausible\/iac\/main\.tf:\d+ random_password\.secret_key_base/);
    expect(await fx.heads('tools')).toEqual(toolsBefore);
    expect(await fx.show('tools', 'main', `plausible/iac/${ADOPT_MOVES_FILE}`)).toBe('# my own notes\n');
    for (const id of ['factory', 'cms']) expect(r.out).toMatch(new RegExp(`\\n  ${id}\\s+pushed joinkey/sync`));
  }, 300_000);
});

describe('publish --adopt with pull requests', () => {
  const TOKEN = 'jk-test-token-adopt-7Hw2';
  let double: GiteaDouble | undefined;
  afterEach(async () => {
    await double?.stop();
    double = undefined;
  });

  it('GIVEN the guidebook platform adopted THEN each PR body explains the hand-over after Live effects: the files deleted or cut with what they declared, the moved blocks, and what stays hand-written and why', async () => {
    const { fx, cwd } = await adoptedPlatform(PLATFORM_FIXTURE);
    double = new GiteaDouble(new SwaggerChecker(join(__dirname, '..', 'schemas', 'gitea-pulls.json')), TOKEN);
    for (const id of PLATFORM_REPOS) double.addRepo(`org/${id}`, ['joinkey', DESTRUCTIVE_LABEL]);
    await double.start();
    const doc = parseDocument(readFileSync(join(cwd, 'apps.yaml'), 'utf8'));
    doc.set('gitea', { url: double.url, labels: ['joinkey'] });
    for (const id of PLATFORM_REPOS) doc.setIn(['repos', id, 'gitea'], `org/${id}`);
    writeFileSync(join(cwd, 'apps.yaml'), doc.toString());
    const io = captureIo(cwd, { ...fx.env, GITEA_TOKEN: TOKEN });
    const code = await publish(['--adopt'], io);
    expect(code, io.out() + io.err()).toBe(0);
    const body = (id: string) => double!.repos.get(`org/${id}`)!.pulls[0]!.body;
    for (const id of PLATFORM_REPOS) {
      expect(body(id).startsWith('## Live effects\n'), id).toBe(true);
      expect(body(id).indexOf('## Hand-over')).toBeGreaterThan(0);
      expect(body(id).indexOf('## Hand-over')).toBeLessThan(body(id).indexOf('## Generated files'));
    }
    const tools = body('tools');
    expect(tools).toContain('| `plausible/iac/main.tf` | deleted | ');
    expect(tools).toMatch(/\| `plausible\/iac\/main\.tf` \| deleted \| [^|\n]*random_password\.secret_key_base/);
    expect(tools).toContain('| `plausible/iac/adopt-moves.tf` | added | moved blocks: each hand-written address keeps its state at the generated one |');
    expect(tools).toContain('| `plausible/kustomization.yaml` | edited: references to deleted files pointed at the generated ones |  |');
    expect(tools).toContain('| `hashicorp-vault/iac/terraform.tfvars` | deleted | applications |');
    expect(body('cms')).toContain('| `iac/main.tf` | edited: only these blocks cut out | module.app_roles |');
    // what stays hand-written says why; what adopt changed on purpose (the ops_policies fix) is there to review
    expect(body('cms')).toMatch(
      /### To review, and what stays hand-written\n\n(- .*\n)*- `iac\/main\.tf:\d+` \(adopt-kept\): cloudflare_turnstile_widget\.cms is not a join-key object: it stays hand-written/,
    );
    expect(tools).toMatch(/- `hashicorp-vault\/iac\/terraform\.tfvars:\d+` \(adopt-review\): applications\["cms"\] sets "ops_policies"/);
    // the objects of the applier's namespace: planned as destroyed and created, named for review
    expect(body('cms')).toContain('**Review:** these objects had no namespace of their own');
    expect(body('cms')).toContain('- VaultAuth `cloudflared`\n- VaultStaticSecret `cloudflared-token`');
    expect(body('factory')).not.toContain('**Review:**');
    // the hand-over's planned destroys (objects of the applier's namespace, back in the one adopt reported) are flagged for review
    const labels = (id: string) =>
      double!.repos.get(`org/${id}`)!.pulls[0]!.labels.map((l) => double!.repos.get(`org/${id}`)!.labels.find((x) => x.id === l)!.name);
    expect(labels('cms').sort()).toEqual([DESTRUCTIVE_LABEL, 'joinkey'].sort());
    expect(labels('factory')).toEqual(['joinkey']);
  }, 300_000);
});

describe('the acceptance checks themselves fail on what they look for', () => {
  it('GIVEN a reference to a removed block, a variable never declared, and a moved block THEN exactly the first two are dangling', async () => {
    const files = new Map([
      [
        'iac/main.tf',
        'resource "vault_kv_secret_v2" "config" {\n  mount = var.mount\n  data_json = jsonencode({ K = random_password.gone.result })\n}\n# random_password.in_a_comment\n',
      ],
      ['iac/adopt-moves.tf', 'moved {\n  from = random_password.old\n  to   = vault_kv_secret_v2.config\n}\n'],
    ]);
    expect(await danglingReferences(files)).toEqual(['iac/main.tf: random_password.gone', 'iac/main.tf: var.mount']);
  });

  it('GIVEN a kustomization naming a file that is not there THEN kubectl kustomize fails', () => {
    const dir = checkout(join(mkdtempSync(join(tmpdir(), 'jk-kustomize-')), 'repo'), new Map([['k/kustomization.yaml', 'resources:\n  - gone.yaml\n']]));
    expect(() => execFileSync('kubectl', ['kustomize', join(dir, 'k')], { stdio: 'pipe' })).toThrow();
    rmSync(dirname(dir), { recursive: true, force: true });
  });
});
