import { Command } from 'commander';
import { GlobalOptions, connectApi } from '../connection';
import { loadKubeConfig } from '../kube-config';
import { untilSignal } from './worker';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { serveMetrics, type MetricsEndpoint } from '../../../host/metrics/metrics-endpoint';
import { KelosError } from '../../kelos-api';

export function controllerCommand(globals: () => GlobalOptions): Command {
  return new Command('controller')
    .description('carry Kelos custom objects (kubectl apply -f task.yaml) in a Kubernetes cluster to Temporal, and their status back')
    .option('--kubeconfig <path>', 'kubeconfig (default: KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--watch-namespace <ns>', 'only this namespace (default: all)')
    .option('--metrics-address <host:port>', 'serve Prometheus metrics at http://<host:port>/metrics (env KELOS_METRICS_ADDRESS; default: off)')
    .action(async (opts: { kubeconfig?: string; watchNamespace?: string; metricsAddress?: string }) => {
      const g = globals();
      const kubeConfig = await loadKubeConfig(opts);
      const metricsAddress = opts.metricsAddress ?? process.env.KELOS_METRICS_ADDRESS;
      const metrics = createControllerMetrics();
      const endpoint = metricsAddress ? await serveControllerMetrics(metricsAddress, metrics.registry) : undefined;
      const { startResourceController } = await import('../../kube-controller/resource-controller');
      const { api, close } = await connectApi(g, 'kelos-controller');
      try {
        const controller = await startResourceController({ kubeConfig, api, onReconcileError: (kind) => metrics.reconcileErrors.inc({ controller: kind }), ...(opts.watchNamespace ? { namespace: opts.watchNamespace } : {}) });
        console.log(`kelos controller watching ${opts.watchNamespace ? `namespace ${opts.watchNamespace}` : 'all namespaces'} of ${kubeConfig.getCurrentCluster()?.server}${endpoint ? `, metrics at ${endpoint.url}` : ''}; Ctrl-C stops it`);
        await untilSignal();
        await controller.stop();
      } finally {
        await endpoint?.close();
        await close();
      }
    });
}

/** Kelos's controller metric that still applies here (Task metrics come from the workers that run the Tasks). */
function createControllerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const reconcileErrors = new Counter({ name: 'kelos_reconcile_errors_total', help: 'Total number of reconciliation errors', labelNames: ['controller'], registers: [registry] });
  return { registry, reconcileErrors };
}

async function serveControllerMetrics(address: string, registry: Registry): Promise<MetricsEndpoint> {
  try {
    return await serveMetrics({ address, registries: [registry] });
  } catch (err) {
    throw new KelosError(`cannot serve metrics on ${address} (--metrics-address or KELOS_METRICS_ADDRESS): ${(err as Error).message}`);
  }
}
