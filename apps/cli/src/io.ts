// What a command may touch of the outside world: given to the program, so tests and main differ
// only in what they pass.

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: AsyncIterable<Buffer | string>;
  /** Registers what to do on Ctrl-C / SIGTERM (long-running commands such as `listen`). */
  onInterrupt(stop: () => void): void;
}

/** A failure the user can fix by changing the command line; exits with status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export async function readAll(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
