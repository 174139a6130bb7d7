import * as fs from 'node:fs';
import { Command } from 'commander';
import { isTerminal } from '../../../api/task/task-status';
import { requestedRuntime } from '../../../api/task/task-runtime';
import { kelosHome, taskFiles } from '../../../host/data-dir';
import { GlobalOptions, connectApi } from '../connection';
import { KubeFlags, loadKubeConfig, selectedRuntime } from '../kube-config';
import { KelosError } from '../../kelos-api';
import { AGENT_CONTAINER, taskPodName } from '../../../api/kube/task-pod';
import type { KubeConfig } from '@kubernetes/client-node';

export function logsCommand(globals: () => GlobalOptions): Command {
  return new Command('logs')
    .description("print a task's agent output (the local log, or its Pod's log on the kubernetes runtime)")
    .argument('<task>')
    .option('-f, --follow', 'keep printing until the task finishes')
    .option('--runtime <kind>', 'where the task ran: local or kubernetes (env KELOS_RUNTIME; default the Task\'s kelos.dev/runtime annotation, else local)')
    .option('--kubeconfig <path>', 'kubeconfig for the kubernetes runtime (default: KUBECONFIG, ~/.kube/config)')
    .action(async (name: string, opts: { follow?: boolean } & KubeFlags) => {
      const g = globals();
      const { api, close } = await connectApi(g);
      try {
        const found = await api.requireTask(g.namespace, name);
        // The runtime the Task asked for, unless the flag (or KELOS_RUNTIME) says otherwise.
        const asked = requestedRuntime(found.metadata.annotations);
        const runtime = opts.runtime || process.env.KELOS_RUNTIME ? selectedRuntime(opts) : typeof asked === 'string' ? asked : 'local';
        if (runtime === 'kubernetes') {
          await printPodLog(await loadKubeConfig(opts), g.namespace, name, Boolean(opts.follow));
          return;
        }
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

/** The agent container's log of the Task's Pod; with `follow`, streamed until the container ends. */
async function printPodLog(kubeConfig: KubeConfig, namespace: string, task: string, follow: boolean): Promise<void> {
  const k8s = await import('@kubernetes/client-node');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const name = taskPodName(namespace, task);
  // The log exists once the agent container started (init containers clone first).
  for (;;) {
    let phase: string | undefined;
    try {
      phase = (await core.readNamespacedPod({ name, namespace })).status?.phase;
    } catch (err) {
      if ((err as { code?: number }).code === 404) throw new KelosError(`task "${task}" has no Pod ${namespace}/${name} (not started yet, deleted by its TTL, or it ran on the local runtime)`);
      throw err;
    }
    if (phase !== 'Pending') break;
    if (!follow) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (!follow) {
    process.stdout.write(await core.readNamespacedPodLog({ name, namespace, container: AGENT_CONTAINER }));
    return;
  }
  const { PassThrough } = await import('node:stream');
  const out = new PassThrough();
  out.pipe(process.stdout);
  const ended = new Promise<void>((resolve) => out.on('end', () => resolve()));
  await new k8s.Log(kubeConfig).log(namespace, name, AGENT_CONTAINER, out, { follow: true });
  await ended;
}
