/** An apps.yaml up to the secrets of app "web" (repo tools), which starts on line 9 at indent 6. */
export const WEB_SECRETS_HEAD = `version: 1
repos:
  tools: { url: ssh://git@h/o/tools.git }
  factory: { url: ssh://git@h/o/factory.git }
apps:
  web:
    repo: tools
    secrets:
`;
