/** Where the CLI writes; tests pass string buffers, the real CLI passes the process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => void process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
};

export function bufferIo(): CliIo & { stdout(): string; stderr(): string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (text) => void out.push(text.endsWith("\n") ? text : `${text}\n`),
    err: (text) => void err.push(text.endsWith("\n") ? text : `${text}\n`),
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}
