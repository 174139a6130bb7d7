import * as fs from 'node:fs';
import { Command } from 'commander';
import { isTerminal } from '../../../api/task/task-status';
import { kelosHome, taskFiles } from '../../../host/data-dir';
import { GlobalOptions, connectApi } from '../connection';

export function logsCommand(globals: () => GlobalOptions): Command {
  return new Command('logs')
    .description("print a task's agent output (local runtime)")
    .argument('<task>')
    .option('-f, --follow', 'keep printing until the task finishes')
    .action(async (name: string, opts: { follow?: boolean }) => {
      const g = globals();
      const { api, close } = await connectApi(g);
      try {
        await api.requireTask(g.namespace, name);
        const logFile = taskFiles(kelosHome(), g.namespace, name).agentLog;
        let offset = 0;
        for (;;) {
          const task = await api.requireTask(g.namespace, name);
          offset = printFrom(logFile, offset);
          if (!opts.follow || isTerminal(task.status.phase)) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        printFrom(logFile, offset);
      } finally {
        await close();
      }
    });
}

/** Prints the bytes of `file` after `offset`; returns the new offset. */
function printFrom(file: string, offset: number): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return offset;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return offset;
    const buffer = Buffer.alloc(size - offset);
    fs.readSync(fd, buffer, 0, buffer.length, offset);
    process.stdout.write(buffer);
    return size;
  } finally {
    fs.closeSync(fd);
  }
}
