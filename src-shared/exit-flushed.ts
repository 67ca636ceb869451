// Ends a command-line process once what it printed has left: `process.exit` right after a large
// write to a pipe cuts the output at the pipe's buffer (64 KiB), so `… api --list | jq` read half.
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
  if (pending.length === 0) process.exit(code);
  let left = pending.length;
  // A write's callback runs once everything written before it is handed to the OS.
  for (const stream of pending) {
    stream.write('', () => {
      left -= 1;
      if (left === 0) process.exit(code);
    });
  }
}
