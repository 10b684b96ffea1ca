import type { Model } from '../model/model';
import { finding, type Finding } from './finding';

/**
 * The rules of `retired:`. A retired name stays reserved, so it is in neither apps nor consumers,
 * except an app that retires only parts of itself; and what an app retires must be gone from it,
 * or the acknowledgement would wait, unseen, for a later destroy nobody reviewed.
 */
export function retiredFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  const apps = new Map(model.apps.map((a) => [a.name, a]));
  const consumers = new Set(model.consumers.map((c) => c.name));
  for (const r of model.retired) {
    const app = apps.get(r.name);
    const parts = r.database || r.secrets.length > 0;
    if (consumers.has(r.name)) {
      out.push(
        finding(
          'retired',
          r.origin,
          `${r.name} is both a consumer and retired; a retired name stays reserved: remove it from consumers to retire it (its Vault policy and role go), or from retired to keep it`,
          { at: 'key' },
        ),
      );
      continue;
    }
    if (r.whole) {
      if (parts)
        out.push(
          finding(
            'retired',
            r.origin,
            `${r.name} is in neither apps nor consumers, so retiring it retires all of it; remove database and secrets from this entry`,
            { at: 'key' },
          ),
        );
      continue;
    }
    if (!app) continue;
    if (!parts) {
      out.push(
        finding(
          'retired',
          r.origin,
          `${r.name} is both an app and retired; a retired name stays reserved: remove it from apps to retire it, from retired to keep it, or list the parts it retires (database: true, secrets: [...])`,
          { at: 'key' },
        ),
      );
      continue;
    }
    if (r.database && app.database)
      out.push(
        finding(
          'retired',
          [...r.origin, 'database'],
          `${r.name} retires its database but still has one; set apps.${r.name}.database: false to drop it, or remove database from this entry`,
          { at: 'key' },
        ),
      );
    for (const s of r.secrets) {
      const secret = app.secrets.find((x) => x.name === s.secret);
      if (!secret) continue;
      if (s.key === undefined)
        out.push(
          finding('retired', s.origin, `${r.name} retires secret ${s.secret} but still has it; remove it from apps.${r.name}.secrets, or from this list`),
        );
      else if (secret.generate.includes(s.key))
        out.push(
          finding(
            'retired',
            s.origin,
            `${r.name} retires generated key ${s.secret}.${s.key} but still generates it; remove it from apps.${r.name}.secrets.${s.secret}.generate, or from this list`,
          ),
        );
    }
  }
  return out;
}

/** `renamedFrom` names the secret's previous name: one the app no longer has, and no other secret claims. */
export function renamedFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  for (const app of model.apps) {
    const names = new Set(app.secrets.map((s) => s.name));
    const claimed = new Map<string, string>();
    for (const s of app.secrets) {
      if (s.renamedFrom === undefined) continue;
      const at = [...s.origin, 'renamedFrom'];
      if (names.has(s.renamedFrom))
        out.push(
          finding(
            'renamed-from',
            at,
            `${app.name} still has a secret ${s.renamedFrom}; renamedFrom names the secret's previous name, which must be gone from secrets`,
          ),
        );
      else if (claimed.has(s.renamedFrom))
        out.push(
          finding(
            'renamed-from',
            at,
            `secrets ${claimed.get(s.renamedFrom)} and ${s.name} are both renamed from ${s.renamedFrom}; its passwords can move to one of them only`,
          ),
        );
      else claimed.set(s.renamedFrom, s.name);
    }
  }
  return out;
}
