import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadModel } from '../src/model';
import type { Model } from '../src/model/model';
import { pgIdentifierProblem, pgRoleName, PG_RESERVED_KEYWORDS } from '../src/model/names';

/**
 * The guidebook's Postgres machinery on a real PostgreSQL 15 server: factory's <app>_role and
 * database, then Vault's dynamic-role creation and revocation SQL with a generated {{name}}.
 * Uses the server of scripts/pg-start.sh (CI: .ci/run exports PGHOST/PGPORT), or starts one.
 */

const ROOT = resolve(__dirname, '..');
const PG_BIN = process.env.JOINKEY_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const haveServer = Boolean(process.env.PGHOST || process.env.JOINKEY_PG_URL) || existsSync(join(PG_BIN, 'pg_ctl'));
const havePsql = spawnSync('psql', ['--version']).status === 0;
const skipWhy = !havePsql ? 'psql is not installed' : !haveServer ? `no PostgreSQL server binaries at ${PG_BIN} and PGHOST is unset` : '';
if (skipWhy) console.warn(`postgres.int.test.ts skipped: ${skipWhy}`);

let conn = { host: '', port: '' };
let startedDir: string | undefined;

interface PsqlResult {
  readonly ok: boolean;
  readonly out: string;
  readonly err: string;
}

function psql(sql: string, opts: { db?: string; user?: string; single?: boolean } = {}): PsqlResult {
  const args = ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', conn.host, '-p', conn.port, '-U', opts.user ?? 'postgres', '-d', opts.db ?? 'postgres'];
  if (opts.single) args.push('-1');
  const r = spawnSync('psql', [...args, '-f', '-'], { input: sql, encoding: 'utf8', env: { ...process.env, PGPASSWORD: undefined, PGCONNECT_TIMEOUT: '5' } });
  return { ok: r.status === 0, out: r.stdout.trim(), err: r.stderr.trim() };
}

function ok(sql: string, opts: Parameters<typeof psql>[1] = {}): string {
  const r = psql(sql, opts);
  if (!r.ok) throw new Error(`psql failed: ${r.err}\n--- SQL ---\n${sql}`);
  return r.out;
}

/** What factory's postgres IaC creates for one app: the non-login role owning the database. */
function factorySql(role: string, db: string): string {
  return `DROP DATABASE IF EXISTS ${db};\nDROP ROLE IF EXISTS ${role};\nCREATE ROLE ${role} NOLOGIN;\nCREATE DATABASE ${db} OWNER ${role};\n`;
}

/** The guidebook's creation statements, with Vault's template values filled in. */
function creationSql(name: string, role: string, password: string): string {
  const until = new Date(Date.now() + 3600_000).toISOString();
  return `CREATE ROLE "${name}" WITH LOGIN PASSWORD '${password}' VALID UNTIL '${until}';\nGRANT ${role} TO "${name}";\n`;
}

/** The guidebook's revocation statements. */
function revocationSql(name: string, role: string, db: string): string {
  return `REASSIGN OWNED BY "${name}" TO ${role};\nREVOKE ALL ON DATABASE ${db} FROM "${name}";\n`;
}

let counter = 0;
/** A name like Vault's generated usernames (`v-<mount>-<role>-<random>-<time>`), quoted because of the dashes. */
const vaultName = (app: string) => `v-k8s-${app}-${process.pid}${++counter}-${Date.now() % 100000}`.slice(0, 63);

const defaultModel = (): Model => loadModel('apps.yaml', readFileSync(join(ROOT, 'apps.yaml'), 'utf8')).model;
const scenarioModel = (): Model =>
  loadModel(
    'scenario.yaml',
    [
      'version: 1',
      'repos: { tools: { url: ssh://git@h/o/tools.git }, factory: { url: ssh://git@h/o/factory.git } }',
      'apps:',
      '  shop: { database: { name: shop_main } }',
      '  billing2: {}',
      `  ${'a'.repeat(58)}: {}`,
    ].join('\n'),
  ).model;

describe.skipIf(Boolean(skipWhy))('PostgreSQL 15: factory roles and the guidebook dynamic-role SQL', () => {
  beforeAll(() => {
    if (process.env.PGHOST) {
      conn = { host: process.env.PGHOST, port: process.env.PGPORT ?? '5432' };
    } else if (process.env.JOINKEY_PG_URL) {
      const u = new URL(process.env.JOINKEY_PG_URL);
      conn = { host: u.searchParams.get('host') ?? u.hostname, port: u.searchParams.get('port') ?? (u.port || '5432') };
    } else {
      startedDir = mkdtempSync(join(tmpdir(), 'joinkey-pg-'));
      const port = String(56000 + (process.pid % 1000));
      const out = execFileSync(join(ROOT, 'scripts/pg-start.sh'), {
        encoding: 'utf8',
        env: { ...process.env, JOINKEY_PG_DIR: startedDir, JOINKEY_PG_PORT: port },
      });
      const vars = Object.fromEntries(
        out
          .trim()
          .split('\n')
          .map((l) => {
            const eq = l.indexOf('=');
            return [l.slice(0, eq), l.slice(eq + 1).replace(/^'|'$/g, '')] as [string, string];
          }),
      );
      conn = { host: vars.PGHOST!, port: vars.PGPORT! };
    }
    expect(ok('select 1')).toBe('1');
  }, 60_000);

  afterAll(() => {
    if (startedDir) execFileSync(join(ROOT, 'scripts/pg-stop.sh'), ['--clean'], { env: { ...process.env, JOINKEY_PG_DIR: startedDir } });
  }, 60_000);

  for (const [scenario, model] of [
    ['default apps.yaml', defaultModel],
    ['scenario with a database name, a digit and a 58-character app', scenarioModel],
  ] as const) {
    test(`GIVEN ${scenario} WHEN factory then Vault run their SQL THEN each ephemeral user creates a table in its own database and revocation leaves nothing owned`, () => {
      const apps = model().apps.filter((a) => a.database);
      expect(apps.length).toBeGreaterThan(0);
      for (const app of apps) {
        const { role, name: db } = app.database!;
        ok(factorySql(role, db));
        const user = vaultName(app.name);
        ok(creationSql(user, role, 'pw-' + counter), { single: true });

        // the ephemeral user connects to its own database and creates a table
        expect(ok('select current_user, current_database()', { db, user })).toBe(`${user}|${db}`);
        ok('CREATE TABLE jk_probe (id int); INSERT INTO jk_probe VALUES (1);', { db, user });
        expect(ok(`select r.rolname from pg_class c join pg_roles r on r.oid = c.relowner where c.relname = 'jk_probe'`, { db })).toBe(user);

        // revocation, run in the app's database: nothing stays owned by the ephemeral user
        ok(revocationSql(user, role, db), { db, single: true });
        expect(ok(`select count(*) from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname = '${user}'`, { db })).toBe('0');
        expect(ok(`select r.rolname from pg_class c join pg_roles r on r.oid = c.relowner where c.relname = 'jk_probe'`, { db })).toBe(role);

        // pitfall 15: the guidebook's revocation never drops the role, so it leaks...
        expect(ok(`select count(*) from pg_roles where rolname = '${user}'`)).toBe('1');
        // ...and appending DROP ROLE removes it
        ok(`DROP ROLE "${user}";`);
        expect(ok(`select count(*) from pg_roles where rolname = '${user}'`)).toBe('0');
        ok(`DROP DATABASE ${db}; DROP ROLE ${role};`);
      }
    }, 120_000);
  }

  test('GIVEN no factory role WHEN Vault runs the creation statements THEN they fail and no ephemeral role is left (factory must apply first)', () => {
    ok('DROP ROLE IF EXISTS jkmissing_role;');
    const user = vaultName('jkmissing');
    const r = psql(creationSql(user, pgRoleName('jkmissing'), 'pw'), { single: true });
    expect(r.ok).toBe(false);
    expect(r.err).toContain('role "jkmissing_role" does not exist');
    expect(ok(`select count(*) from pg_roles where rolname = '${user}'`)).toBe('0');
  });

  test('GIVEN the revocation runs in another database than the objects WHEN DROP ROLE follows THEN it fails: objects must be reassigned where they live (pitfall 16)', () => {
    ok(factorySql('jkother_role', 'jkother'));
    const user = vaultName('jkother');
    ok(creationSql(user, 'jkother_role', 'pw'), { single: true });
    ok('CREATE TABLE t (id int);', { db: 'jkother', user });
    ok(revocationSql(user, 'jkother_role', 'jkother'), { db: 'postgres', single: true });
    const drop = psql(`DROP ROLE "${user}";`);
    expect(drop.ok).toBe(false);
    expect(drop.err).toContain('cannot be dropped because some objects depend on it');
    ok(revocationSql(user, 'jkother_role', 'jkother'), { db: 'jkother', single: true });
    ok(`DROP ROLE "${user}"; DROP DATABASE jkother; DROP ROLE jkother_role;`);
  });

  test('GIVEN names the namer accepts THEN they work unquoted and are stored exactly as written', () => {
    for (const app of ['a', 'x9', 'web2app', 'a'.repeat(58)]) {
      const role = pgRoleName(app);
      expect(pgIdentifierProblem(role)).toBeUndefined();
      expect(pgIdentifierProblem(app)).toBeUndefined();
      ok(`BEGIN; CREATE ROLE ${role} NOLOGIN; COMMIT;`);
      expect(ok(`select rolname from pg_roles where rolname = '${role}'`)).toBe(role);
      ok(`DROP ROLE ${role};`);
    }
    // 63-byte database name: the longest the namer accepts
    const db = 'd'.repeat(63);
    expect(pgIdentifierProblem(db)).toBeUndefined();
    ok(`CREATE DATABASE ${db};`);
    expect(ok(`select datname from pg_database where datname = '${db}'`)).toBe(db);
    ok(`DROP DATABASE ${db};`);
  });

  test('GIVEN names the namer rejects THEN the server refuses them unquoted or silently changes them', () => {
    // "-" is a minus sign
    expect(pgIdentifierProblem('my-app_role')).toContain('contains "-"');
    const dash = psql('CREATE ROLE my-app_role NOLOGIN;');
    expect(dash.ok).toBe(false);
    expect(dash.err).toContain('syntax error at or near "-"');
    // a leading digit
    expect(pgIdentifierProblem('1app')).toContain('starts with a digit');
    expect(psql('CREATE DATABASE 1app;').err).toContain('trailing junk after numeric literal at or near "1app"');
    // 64 bytes: truncated to 63 with only a NOTICE, so the role Vault grants would not exist
    const long = `${'b'.repeat(59)}_role`;
    expect(Buffer.byteLength(long)).toBe(64);
    expect(pgIdentifierProblem(long)).toContain('64 bytes');
    const created = psql(`CREATE ROLE ${long} NOLOGIN;`);
    expect(created.ok).toBe(true);
    expect(created.err).toContain('will be truncated');
    expect(ok(`select rolname from pg_roles where rolname like 'bbbb%'`)).toBe(long.slice(0, 63));
    ok(`DROP ROLE ${long.slice(0, 63)};`);
    // uppercase is folded, so the stored name is not the one written
    ok('CREATE ROLE MixedCase_role NOLOGIN;');
    expect(ok(`select rolname from pg_roles where lower(rolname) = 'mixedcase_role'`)).toBe('mixedcase_role');
    ok('DROP ROLE mixedcase_role;');
    // reserved keywords as database names (the default database is the app name)
    for (const kw of ['user', 'table', 'all', 'left']) {
      expect(pgIdentifierProblem(kw)).toBe(`"${kw}" is a reserved PostgreSQL keyword`);
      expect(psql(`CREATE DATABASE ${kw};`).err).toContain('syntax error');
    }
  });

  test('GIVEN the server keyword list THEN PG_RESERVED_KEYWORDS is exactly the R and T categories, and exactly the words CREATE DATABASE rejects unquoted', () => {
    const server = ok(`select word from pg_get_keywords() where catcode in ('R','T') order by 1`).split('\n');
    expect([...PG_RESERVED_KEYWORDS].sort()).toEqual(server);
    const rejected = ok(
      [
        'CREATE OR REPLACE FUNCTION pg_temp.jk_rejects(w text) RETURNS boolean LANGUAGE plpgsql AS $$',
        'BEGIN',
        "  EXECUTE 'CREATE DATABASE ' || w;",
        '  RETURN false;',
        'EXCEPTION WHEN syntax_error THEN RETURN true;',
        '  WHEN OTHERS THEN RETURN false;',
        'END $$;',
        'select word from pg_get_keywords() where pg_temp.jk_rejects(word) order by 1;',
      ].join('\n'),
    ).split('\n');
    expect(rejected).toEqual(server);
  });
});
