/**
 * Follows one Pod until `settled` says so: a watch on the Pod (by name) from the resourceVersion of a fresh read,
 * re-read and re-watched whenever the stream ends or the server answers 410 Gone (the resourceVersion expired),
 * so no status change is missed and a long wait costs the API server one open watch instead of polls. A timer
 * re-evaluates the latest status every `tickMs` (time-based rules such as an image-pull grace period) and reports
 * it for heartbeats. Deleting the Pod from outside ends the wait with an error.
 */
import * as k8s from '@kubernetes/client-node';

export class PodDeletedError extends Error {
  override name = 'PodDeletedError';
}

export interface PodWaitOptions {
  namespace: string;
  name: string;
  /** True when the wait is over; called on every update and every tick. */
  settled: (pod: k8s.V1Pod) => boolean;
  /** Called every tick with the latest Pod (heartbeats); may throw to stop the wait (cancellation). */
  onTick?: (pod: k8s.V1Pod) => void;
  tickMs?: number;
  /** Pause before re-watching after a dropped stream. */
  retryMs?: number;
}

export function waitForPod(kubeConfig: k8s.KubeConfig, options: PodWaitOptions): Promise<k8s.V1Pod> {
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const watch = new k8s.Watch(kubeConfig);
  const { namespace, name } = options;

  return new Promise<k8s.V1Pod>((resolve, reject) => {
    let latest: k8s.V1Pod | undefined;
    let stream: AbortController | undefined;
    let finished = false;
    let generation = 0;

    const finish = (outcome: () => void) => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      stream?.abort();
      outcome();
    };
    const update = (pod: k8s.V1Pod) => {
      latest = pod;
      if (options.settled(pod)) finish(() => resolve(pod));
    };
    const rewatchSoon = () => {
      if (!finished) setTimeout(() => void follow(), options.retryMs ?? 1_000);
    };

    /** Read (the "list" of one object), then watch from its resourceVersion. */
    const follow = async () => {
      const mine = ++generation;
      stream?.abort();
      try {
        update(await core.readNamespacedPod({ name, namespace }));
      } catch (err) {
        if ((err as { code?: number }).code === 404) finish(() => reject(new PodDeletedError(`Pod ${namespace}/${name} was deleted`)));
        else rewatchSoon();
        return;
      }
      if (finished) return;
      try {
        stream = await watch.watch(
          `/api/v1/namespaces/${namespace}/pods`,
          { fieldSelector: `metadata.name=${name}`, resourceVersion: latest?.metadata?.resourceVersion, allowWatchBookmarks: true },
          (type, object) => {
            if (mine !== generation || finished) return;
            if (type === 'DELETED') finish(() => reject(new PodDeletedError(`Pod ${namespace}/${name} was deleted`)));
            else if (type === 'ERROR') void follow(); // e.g. 410 Gone: the resourceVersion is too old
            else if (type !== 'BOOKMARK') update(object as k8s.V1Pod);
          },
          () => {
            if (mine === generation) rewatchSoon();
          },
        );
      } catch {
        rewatchSoon();
      }
    };

    const timer = setInterval(() => {
      if (!latest || finished) return;
      try {
        options.onTick?.(latest);
        if (options.settled(latest)) finish(() => resolve(latest!));
      } catch (err) {
        finish(() => reject(err));
      }
    }, options.tickMs ?? 2_000);

    void follow();
  });
}
