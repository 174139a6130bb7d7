/**
 * Certificates for the production test bed, made with the `openssl` command as an operator would: a CA, a serving
 * certificate for localhost/127.0.0.1 signed by it, a client certificate signed by it (what kelos processes and the
 * server's own system worker present), and a second, untrusted CA with a client certificate of its own (a client
 * the server must refuse). P-256 keys: quick to generate, accepted by Go and by the SDK's rustls.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

export interface CertificatePair {
  cert: string;
  key: string;
}

export interface BedCertificates {
  /** The CA that signed the server's and the client's certificates (PEM file). */
  ca: string;
  server: CertificatePair;
  client: CertificatePair;
  /** Another CA, trusted by nobody here, and a client certificate it signed. */
  untrustedCa: string;
  untrustedClient: CertificatePair;
}

const run = promisify(execFile);
const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(dir: string, name: string): Promise<CertificatePair> {
  const pair = { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) };
  await run('openssl', ['req', '-x509', ...KEY, '-keyout', pair.key, '-out', pair.cert, '-days', '7', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return pair;
}

async function makeLeaf(dir: string, name: string, ca: CertificatePair, extensions: string[]): Promise<CertificatePair> {
  const pair = { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) };
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(ext, `${['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', ...extensions].join('\n')}\n`);
  await run('openssl', ['req', ...KEY, '-keyout', pair.key, '-out', csr, '-subj', `/CN=${name}`]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '7', '-extfile', ext, '-out', pair.cert]);
  fs.rmSync(csr);
  fs.rmSync(ext);
  return pair;
}

/** Writes every certificate and key into `dir` (keys mode 0600) and returns their paths. */
export async function generateBedCertificates(dir: string): Promise<BedCertificates> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = await makeCa(dir, 'kelos-test-ca');
  const server = await makeLeaf(dir, 'temporal-frontend', ca, ['subjectAltName=DNS:localhost,IP:127.0.0.1', 'extendedKeyUsage=serverAuth']);
  const client = await makeLeaf(dir, 'kelos-client', ca, ['extendedKeyUsage=clientAuth']);
  const otherCa = await makeCa(dir, 'untrusted-ca');
  const untrustedClient = await makeLeaf(dir, 'untrusted-client', otherCa, ['extendedKeyUsage=clientAuth']);
  for (const pair of [ca, server, client, otherCa, untrustedClient]) fs.chmodSync(pair.key, 0o600);
  return { ca: ca.cert, server, client, untrustedCa: otherCa.cert, untrustedClient };
}
