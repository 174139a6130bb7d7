/**
 * The production bed's frontend serves TLS and requires a client certificate from its CA, as a production
 * deployment with mTLS does. At the TLS level the server says why it refuses (certificate required, unknown CA);
 * both SDK stacks (the client's grpc-js and the worker's Rust core) are refused without TLS, without a certificate
 * and with a certificate from another CA, refuse a server their CA did not sign, and are served with the right
 * certificate.
 */
import * as fs from 'node:fs';
import { Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { installTestRuntime } from '../harness/temporal';
import { prodTemporal } from '../harness/prod/prod-temporal';
import { tlsHandshake } from '../harness/prod/tls-probe';

const bed = prodTemporal();
const files = bed.tlsFiles;

beforeAll(() => installTestRuntime());

/** Connects and makes one call; the client gives up after 3 s (the accepted case is answered in milliseconds). */
async function clientCall(tls: TLSConfig | undefined): Promise<void> {
  const connection = await Connection.connect({ address: bed.address, tls, connectTimeout: 3_000 });
  try {
    await connection.workflowService.describeNamespace({ namespace: bed.namespace });
  } finally {
    await connection.close();
  }
}

async function workerCall(tls: TLSConfig | undefined): Promise<void> {
  const connection = await NativeConnection.connect({ address: bed.address, tls });
  try {
    await connection.workflowService.describeNamespace({ namespace: bed.namespace });
  } finally {
    await connection.close();
  }
}

test('the TLS handshake succeeds only with a client certificate from the server’s CA', async () => {
  const ca = fs.readFileSync(files.ca);
  const handshake = (options: object) => tlsHandshake(bed.address, { ca, servername: files.serverName, ...options });
  expect(await handshake({ cert: fs.readFileSync(files.cert), key: fs.readFileSync(files.key) })).toBe('served');
  expect(await handshake({})).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  expect(await handshake({ cert: fs.readFileSync(files.untrustedClient.cert), key: fs.readFileSync(files.untrustedClient.key) })).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
  // The server's certificate names localhost and 127.0.0.1, signed by the CA; nothing else verifies it.
  expect(await handshake({ ca: fs.readFileSync(files.untrustedCa), cert: fs.readFileSync(files.cert), key: fs.readFileSync(files.key) })).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  expect(await handshake({ servername: 'temporal.example.com', cert: fs.readFileSync(files.cert), key: fs.readFileSync(files.key) })).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
});

test('SDK clients without TLS, without a certificate or with one from another CA are refused', async () => {
  for (const tls of [undefined, bed.tls(null), bed.tls(files.untrustedClient)]) {
    await expect(clientCall(tls)).rejects.toThrow();
    await expect(workerCall(tls)).rejects.toThrow();
  }
});

test('SDK clients refuse a server their CA did not sign', async () => {
  const tls = { ...bed.tls(), serverRootCACertificate: fs.readFileSync(files.untrustedCa) };
  await expect(clientCall(tls)).rejects.toThrow();
  await expect(workerCall(tls)).rejects.toThrow(/UnknownIssuer/);
});

test('SDK clients with the CA’s client certificate are served, by a server on PostgreSQL', async () => {
  await expect(clientCall(bed.tls())).resolves.toBeUndefined();
  await expect(workerCall(bed.tls())).resolves.toBeUndefined();
  const connection = await bed.connect();
  try {
    const info = await connection.workflowService.getClusterInfo({});
    // A real server on PostgreSQL, not the dev server's SQLite.
    expect(info.persistenceStore).toBe('postgres12');
    expect(info.visibilityStore).toBe('postgres12');
    expect(info.serverVersion).toBe('1.32.0');
  } finally {
    await connection.close();
  }
});
