/**
 * Ends the CLI only after its output reached the reader. `process.exit` drops whatever is still queued on a
 * pipe (stdout to a pipe is asynchronous on POSIX): `kelos get tasks -o json | jq` used to see the first 64 KiB.
 * An empty write's callback runs once every earlier write on that stream was handed to the kernel.
 */
export function exitWhenFlushed(code: number): void {
  let pending = 2;
  const done = (): void => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  for (const stream of [process.stdout, process.stderr]) {
    // A reader that went away (`kelos get tasks | head`) is not an error of ours.
    if (stream.destroyed || !stream.writable) done();
    else stream.write('', () => done());
  }
}

/** Writes a chunk and waits while the stream's buffer is full, so a large listing never piles up in memory. */
export async function writeOut(chunk: string, stream: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (stream.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const settle = (): void => {
      stream.off('drain', settle);
      stream.off('close', settle);
      stream.off('error', settle);
      resolve();
    };
    stream.once('drain', settle);
    stream.once('close', settle);
    stream.once('error', settle);
  });
}

/** A closed pipe (EPIPE) ends the command quietly, as `kubectl get ... | head` does. */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode === undefined ? 0 : Number(process.exitCode));
      throw err;
    });
  }
}
