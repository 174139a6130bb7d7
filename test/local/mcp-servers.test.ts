import { kelosMcpServersJson } from '../../src/runtimes/mcp-servers';

const secrets: Record<string, Record<string, string>> = {
  'gh-headers': { Authorization: 'Bearer from-secret' },
  'srv-env': { TOKEN: 'from-envFrom', SHARED: 'envFrom-wins' },
  keys: { api: 'k-123' },
};
const readSecret = (name: string) => {
  if (!secrets[name]) throw new Error(`secret "${name}" not found`);
  return secrets[name];
};

describe('KELOS_MCP_SERVERS (Kelos .mcp.json shape)', () => {
  test('servers keyed by name with empty fields left out; secrets merged over literals', () => {
    const json = kelosMcpServersJson(
      [
        { name: 'github', type: 'http', url: 'https://api.example/mcp', headers: { Authorization: 'literal', 'X-A': '1' }, headersFrom: { secretRef: { name: 'gh-headers' } } },
        {
          name: 'local',
          type: 'stdio',
          command: 'npx',
          args: ['-y', 'srv'],
          env: [
            { name: 'SHARED', value: 'literal' },
            { name: 'API', valueFrom: { secretKeyRef: { name: 'keys', key: 'api' } } },
            { name: 'OPTIONAL', valueFrom: { secretKeyRef: { name: 'missing', key: 'x', optional: true } } },
          ],
          envFrom: { secretRef: { name: 'srv-env' } },
        },
      ],
      readSecret,
    );
    expect(JSON.parse(json)).toEqual({
      mcpServers: {
        github: { type: 'http', url: 'https://api.example/mcp', headers: { Authorization: 'Bearer from-secret', 'X-A': '1' } },
        local: { type: 'stdio', command: 'npx', args: ['-y', 'srv'], env: { API: 'k-123', SHARED: 'envFrom-wins', TOKEN: 'from-envFrom' } },
      },
    });
  });

  test('a later server of the same name wins', () => {
    const json = kelosMcpServersJson([{ name: 'a', type: 'sse', url: 'https://one' }, { name: 'a', type: 'sse', url: 'https://two' }], readSecret);
    expect(JSON.parse(json)).toEqual({ mcpServers: { a: { type: 'sse', url: 'https://two' } } });
  });

  test('a required secret key that is missing is an error', () => {
    expect(() => kelosMcpServersJson([{ name: 'a', type: 'stdio', command: 'x', env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'keys', key: 'nope' } } }] }], readSecret)).toThrow(/has no key nope/);
  });

  test('configMapKeyRef is not available locally unless optional', () => {
    expect(() => kelosMcpServersJson([{ name: 'a', type: 'stdio', command: 'x', env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }] }], readSecret)).toThrow(/secretKeyRef/);
    expect(JSON.parse(kelosMcpServersJson([{ name: 'a', type: 'stdio', command: 'x', env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'c', key: 'k', optional: true } } }] }], readSecret))).toEqual({ mcpServers: { a: { type: 'stdio', command: 'x' } } });
  });
});
