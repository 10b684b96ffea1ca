import type { Args } from './replacement';

/**
 * What a destroy does to live data, per resource type, as one line for the "## Live effects"
 * table. Each summary restates `destroy_effect` of ../shared/tofu/replacement.json (kept in full
 * in schemas/tofu-replacement.json) and live-objects.md "Per resource". Flags that steer a destroy
 * are read from state (`d.Get` inside Delete, live-objects.md "Rules that apply everywhere"), so
 * the summaries take the arguments of the object as it is now (the base branch).
 */

const text = (v: unknown, placeholder: string): string => (typeof v === 'string' && v !== '' ? v : placeholder);

/** How a type's live data is affected by a destroy, and whether the type holds stateful data. */
interface DestroyRule {
  /**
   * 'always': databases, generated secrets, kv data and roles that own database objects;
   * 'while-deployed': Vault roles and policies, stateful only while their app is still deployed.
   */
  readonly stateful: 'always' | 'while-deployed';
  readonly summary: (state: Args) => string;
}

const DESTROY: Readonly<Record<string, DestroyRule>> = {
  // postgresql resource_postgresql_database.go L239-299: ALLOW_CONNECTIONS false,
  // pg_terminate_backend on every other session (L625-645), DROP DATABASE .. WITH (FORCE) (L285-293).
  postgresql_database: {
    stateful: 'always',
    summary: (s) =>
      `DROP DATABASE ${text(s.name, '<name>')} WITH (FORCE) after terminating every session: all its data is lost; the provider has no flag that prevents it (protect it with lifecycle.prevent_destroy, or a removed block with destroy = false)`,
  },
  // resource_postgresql_role.go L382-423, one transaction; skip flags read from state.
  postgresql_role: {
    stateful: 'always',
    summary: (s) => {
      const role = text(s.name, '<role>');
      const steps: string[] = [];
      if (s.skip_reassign_owned !== true)
        steps.push(`REASSIGN OWNED BY ${role} TO <provider user>; DROP OWNED BY ${role} (its objects pass to the admin user, grants to it are lost)`);
      if (s.skip_drop_role !== true) steps.push(`DROP ROLE ${role}`);
      return steps.length > 0 ? steps.join('; then ') : `nothing in PostgreSQL (skip_reassign_owned and skip_drop_role are set); only state is dropped`;
    },
  },
  // resource_kv_secret_v2.go L379-403: delete_all_versions (default false, L146-151) picks data or metadata.
  vault_kv_secret_v2: {
    stateful: 'always',
    summary: (s) => {
      const mount = text(s.mount, '<mount>');
      const name = text(s.name, '<name>');
      return s.delete_all_versions === true
        ? `DELETE ${mount}/metadata/${name}: every version and the metadata are gone for good`
        : `DELETE ${mount}/data/${name}: soft delete of the latest version only (older versions and the metadata stay; it can be undeleted)`;
    },
  },
  // random resource_password.go L111-113: Delete is a no-op.
  random_password: {
    stateful: 'always',
    summary: () => 'no remote object (only state is dropped), but the generated value is gone: creating it again generates a new one, a rotation',
  },
  // vault resource_policy.go L97-113.
  vault_policy: {
    stateful: 'while-deployed',
    summary: (s) => `DELETE sys/policy/${text(s.name, '<name>')}: every token carrying it loses that access`,
  },
  // vault resource_kubernetes_auth_backend_role.go L253-270; backend default "kubernetes" (L52-62).
  vault_kubernetes_auth_backend_role: {
    stateful: 'while-deployed',
    summary: (s) => `DELETE auth/${text(s.backend, 'kubernetes')}/role/${text(s.role_name, '<role_name>')}: logins through this role fail`,
  },
  // vault resource_jwt_auth_backend_role.go; backend default "jwt" (L136-146).
  vault_jwt_auth_backend_role: {
    stateful: 'while-deployed',
    summary: (s) => `DELETE auth/${text(s.backend, 'jwt')}/role/${text(s.role_name, '<role_name>')}: CI logins through this role fail`,
  },
  // vault resource_database_secret_backend_role.go L205-219: leases are not revoked.
  vault_database_secret_backend_role: {
    stateful: 'while-deployed',
    summary: (s) => `DELETE ${text(s.backend, '<backend>')}/roles/${text(s.name, '<name>')}: no new credentials; the provider revokes no leases`,
  },
  // vault resource_identity_group.go L292-313; the id is Vault's UUID (L224).
  vault_identity_group: {
    stateful: 'while-deployed',
    summary: () => 'DELETE identity/group/id/<id>: the group UUID is gone; aliases and policy templates keyed on it break',
  },
};

/** One line on what destroying this object does to live data. */
export function destroyDataEffect(type: string, state: Args): string {
  const rule = DESTROY[type];
  return rule ? rule.summary(state) : `${type} is not in the replacement table: what its destroy deletes is unknown; check the provider's Delete`;
}

/**
 * Whether destroying (or replacing) an object of this type loses stateful data. Types outside the
 * table count as stateful: nothing is known about their Delete.
 */
export function destroyIsStateful(type: string, appDeployed: boolean): boolean {
  const rule = DESTROY[type];
  if (!rule) return true;
  return rule.stateful === 'always' || appDeployed;
}

/** What a dependent of a rotated random_password does with the new value (replacement.json random_password.destroy_effect). */
export function rotationDataEffect(type: string, secret: string): string {
  if (type === 'vault_kv_secret_v2') return `writes a new KV version holding the new value of ${secret} (older versions keep the old one)`;
  if (type === 'postgresql_role') return `ALTER ROLE ... PASSWORD with the new value of ${secret}`;
  return `updates in place with the new value of ${secret}`;
}

/**
 * Renames done in place that still break clients: postgresql_database `name` is ALTER DATABASE ..
 * RENAME TO (resource_postgresql_database.go L432-451) and every client connecting by the old name
 * fails; postgresql_role `name` is ALTER ROLE .. RENAME TO (resource_postgresql_role.go L759-779)
 * and every login and grant by the old name fails.
 */
export function breakingUpdate(type: string, before: Args, after: Args, changed: readonly string[]): string | undefined {
  if (!changed.includes('name')) return undefined;
  if (type === 'postgresql_database')
    return `renames database ${text(before.name, '<old>')} to ${text(after.name, '<new>')} (ALTER DATABASE .. RENAME TO): every client connecting by the old name breaks`;
  if (type === 'postgresql_role')
    return `renames role ${text(before.name, '<old>')} to ${text(after.name, '<new>')} (ALTER ROLE .. RENAME TO): every login and GRANT by the old name breaks`;
  return undefined;
}
