/**
 * The bench input: an apps.yaml of n apps, each with a repo, a namespace, a database with a
 * restart target, a generated secret and a seeded secret. Apps are named app00000, app00001, ...
 * so the text is the same on every run and on every machine.
 */
export function appsYaml(n: number): string {
  const lines = [
    'version: 1',
    'repos:',
    '  tools: { url: ssh://git@gitea.example.org/org/tools.git, branch: main }',
    '  factory: { url: ssh://git@gitea.example.org/org/factory.git, branch: main }',
    'apps:',
  ];
  for (let i = 0; i < n; i++) {
    const name = appName(i);
    lines.push(
      `  ${name}:`,
      '    repo: tools',
      `    namespace: ns${i % 50}`,
      '    database:',
      `      restart: [Deployment/${name}]`,
      '    secrets:',
      '      config: { generate: [SECRET_KEY] }',
      '      api: { keys: [TOKEN] }',
    );
  }
  return `${lines.join('\n')}\n`;
}

export function appName(i: number): string {
  return `app${String(i).padStart(5, '0')}`;
}
