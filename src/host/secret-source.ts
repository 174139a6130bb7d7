/**
 * Where activities read secret values: the local secret store (`kelos apply -f secret.yaml`) on the local
 * runtime, Kubernetes Secrets of the Task's or spawner's namespace on the Kubernetes runtime. Workflows only
 * ever carry secret names; the values are read here, inside activities, and never returned to a workflow.
 */
import { LocalSecretStore, SecretNotFoundError } from './secret-store';

export { SecretNotFoundError };

export interface SecretSource {
  /** Where the secrets live, for messages: "the local secret store" or "Kubernetes". */
  readonly where: string;
  /** The secret's data as text; throws {@link SecretNotFoundError} when it does not exist. */
  read(namespace: string, name: string): Promise<Record<string, string>>;
}

export function localSecretSource(home: string): SecretSource {
  const store = new LocalSecretStore(home);
  return { where: 'the local secret store', read: async (namespace, name) => store.get(namespace, name) };
}
