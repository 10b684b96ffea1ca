import { CHARACTER_CLASSES } from '../model/random-password';
import type { Model } from '../model/model';
import { finding, type Finding } from './finding';

/**
 * The rules between the options of one generated key, as random_password and its CreateString
 * apply them: length >= the sum of the minimums (the provider's own validator), no minimum on a
 * class that is off (CreateString would still draw it), overrideSpecial only with special, and at
 * least one class left on.
 */
export function generatedKeyFindings(model: Model): Finding[] {
  const out: Finding[] = [];
  for (const app of model.apps) {
    for (const s of app.secrets) {
      for (const key of s.generated) {
        const o = key.password;
        const at = (...rest: string[]) => [...key.origin, key.name, ...rest];
        const mins = CHARACTER_CLASSES.filter((c) => (o[c.min] ?? 0) > 0);
        const total = mins.reduce((sum, c) => sum + (o[c.min] ?? 0), 0);
        if (total > o.length) {
          const terms = mins.map((c) => `${c.min} ${o[c.min]}`).join(' + ');
          out.push(
            finding(
              'generate-options',
              key.ownLength ? at('length') : at(),
              `${key.name}: ${terms} = ${total} characters, more than its length ${o.length}; random_password needs length >= the sum of the minimums, so raise length or lower a minimum`,
              { at: 'key' },
            ),
          );
        }
        for (const c of mins) {
          if (o[c.switch] === false)
            out.push(
              finding(
                'generate-options',
                at(c.min),
                `${key.name}: ${c.min} asks for ${c.name} characters, but ${c.switch} is false (random_password would add them anyway); remove ${c.min} or set ${c.switch}: true`,
                { at: 'key' },
              ),
            );
        }
        if (o.overrideSpecial !== undefined && o.special === false) {
          out.push(
            finding(
              'generate-options',
              at('overrideSpecial'),
              `${key.name}: overrideSpecial lists the special characters to use, but special is false, so none are used; remove overrideSpecial or set special: true`,
              { at: 'key' },
            ),
          );
        }
        if (CHARACTER_CLASSES.every((c) => o[c.switch] === false)) {
          out.push(
            finding(
              'generate-options',
              at(),
              `${key.name}: special, upper, lower and numeric are all false, so random_password has no characters to choose from; set at least one to true`,
              { at: 'key' },
            ),
          );
        }
      }
    }
  }
  return out;
}
