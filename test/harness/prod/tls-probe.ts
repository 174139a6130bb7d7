/**
 * One TLS handshake with a gRPC server, at the level where its reason for refusing shows: the server's TLS alert
 * (certificate required, unknown CA) or this side's verification error, or `served` once the server answers the
 * HTTP/2 preface with its SETTINGS frame (what every gRPC call starts with).
 */
import * as tls from 'node:tls';

export async function tlsHandshake(address: string, options: tls.ConnectionOptions): Promise<string> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, ALPNProtocols: ['h2'], ...options });
    const done = (outcome: string) => {
      resolve(outcome);
      socket.destroy();
    };
    socket.setTimeout(10_000, () => done('timeout'));
    socket.on('secureConnect', () => {
      // The HTTP/2 client preface and an empty SETTINGS frame. Under TLS 1.3 the server checks the client's
      // certificate after the handshake completed for the client, so its verdict arrives as the answer to this.
      socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
    });
    socket.on('data', (data: Buffer) => done(data.length >= 9 && data[3] === 0x04 ? 'served' : `answered ${data.subarray(0, 9).toString('hex')}`));
    socket.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    socket.on('close', () => done('closed'));
  });
}
