import { Command } from 'commander';
import { GlobalOptions, connectApi } from '../connection';
import { loadKubeConfig } from '../kube-config';
import { untilSignal } from './worker';

export function controllerCommand(globals: () => GlobalOptions): Command {
  return new Command('controller')
    .description('carry Kelos custom objects (kubectl apply -f task.yaml) in a Kubernetes cluster to Temporal, and their status back')
    .option('--kubeconfig <path>', 'kubeconfig (default: KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--watch-namespace <ns>', 'only this namespace (default: all)')
    .action(async (opts: { kubeconfig?: string; watchNamespace?: string }) => {
      const g = globals();
      const kubeConfig = await loadKubeConfig(opts);
      const { startResourceController } = await import('../../kube-controller/resource-controller');
      const { api, close } = await connectApi(g, 'kelos-controller');
      try {
        const controller = await startResourceController({ kubeConfig, api, ...(opts.watchNamespace ? { namespace: opts.watchNamespace } : {}) });
        console.log(`kelos controller watching ${opts.watchNamespace ? `namespace ${opts.watchNamespace}` : 'all namespaces'} of ${kubeConfig.getCurrentCluster()?.server}; Ctrl-C stops it`);
        await untilSignal();
        await controller.stop();
      } finally {
        await close();
      }
    });
}
