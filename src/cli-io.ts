/** What a command may touch: the only place argv, env, cwd and the streams come in. */
export interface CliIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(s: string): unknown; isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
}

export type Command = (args: string[], io: CliIo) => Promise<number>;
