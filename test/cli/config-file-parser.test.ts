/** The config file parser (src/clients/cli/config-file.ts): Kelos's fields, errors naming file and field, unknown fields. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfigPath, loadConfigFile, parseConfigText } from '../../src/clients/cli/config-file';
import { CONFIG_TEMPLATE } from '../../src/clients/cli/config-template';

const parse = (text: string) => parseConfigText(text, 'c.yaml');
const errorOf = (text: string) => {
  try {
    parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('parsed without an error');
};

describe('config file parser', () => {
  it('reads every Kelos field', () => {
    const text = [
      'apiKey: "@~/key"',
      'secret: mine',
      'credentialType: oauth',
      'type: codex',
      'model: gpt-5',
      'effort: high',
      'namespace: team-a',
      'agentConfig: rules',
      'workspace: {name: ws, repo: https://github.com/o/r.git, ref: main, githubApp: {appID: 12, installationID: "34", privateKeyPath: ~/app.pem}}',
      'env: [{name: A, value: "1"}, {name: B, valueFrom: {secretKeyRef: {name: s, key: k}}}, {name: C, valueFrom: {configMapKeyRef: {name: m, key: k}}}]',
    ].join('\n');
    expect(parse(text)).toEqual({
      warnings: [],
      config: {
        apiKey: '@~/key',
        secret: 'mine',
        credentialType: 'oauth',
        type: 'codex',
        model: 'gpt-5',
        effort: 'high',
        namespace: 'team-a',
        agentConfig: 'rules',
        // Unquoted App ids are numbers in YAML: kept as the text they are.
        workspace: { name: 'ws', repo: 'https://github.com/o/r.git', ref: 'main', githubApp: { appID: '12', installationID: '34', privateKeyPath: '~/app.pem' } },
        env: [
          { name: 'A', value: '1' },
          { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
          { name: 'C', valueFrom: { configMapKeyRef: { name: 'm', key: 'k' } } },
        ],
      },
    });
  });

  it('an empty file, and the template kelos init writes, set nothing', () => {
    expect(parse('')).toEqual({ config: {}, warnings: [] });
    expect(parse(CONFIG_TEMPLATE)).toEqual({ config: {}, warnings: [] });
  });

  it("the template's commented examples are valid fields once uncommented", () => {
    // Each `# key: ...` line with the indented lines right under it, uncommented alone, must parse cleanly.
    const blocks: string[] = [];
    let open = false;
    for (const line of CONFIG_TEMPLATE.split('\n')) {
      if (/^# [a-zA-Z]+:/.test(line)) blocks.push(line.slice(2));
      else if (open && /^# {2,}\S/.test(line)) blocks[blocks.length - 1] += `\n${line.slice(2)}`;
      else open = false;
      if (/^# [a-zA-Z]+:/.test(line)) open = true;
    }
    expect(blocks.length).toBeGreaterThanOrEqual(12);
    for (const block of blocks) expect(parse(block).warnings).toEqual([]);
  });

  it('names the file and the field of a bad value', () => {
    expect(errorOf('type: claude')).toBe('config file c.yaml: type: must be one of claude-code, codex, gemini, opencode, cursor (got "claude")');
    expect(errorOf('credentialType: token')).toBe('config file c.yaml: credentialType: must be one of api-key, oauth, none (got "token")');
    expect(errorOf('workspace: {repo: 3}')).toBe('config file c.yaml: workspace.repo: must be a string (got number)');
    expect(errorOf('env: [{name: A, value: x}, {name: 2B, value: y}]')).toBe('config file c.yaml: env[1].name: must match ^[A-Za-z_][A-Za-z0-9_]*$ (got "2B")');
    expect(errorOf('env: [{name: A}]')).toBe('config file c.yaml: env[0]: must set exactly one of value or valueFrom');
    expect(errorOf('env: [{name: A, valueFrom: {secretKeyRef: {name: s}}}]')).toBe('config file c.yaml: env[0].valueFrom.secretKeyRef.key: is required');
    expect(errorOf('env: [{name: A, valueFrom: {}}]')).toBe('config file c.yaml: env[0].valueFrom: must set exactly one of secretKeyRef or configMapKeyRef');
    expect(errorOf('env: {A: "1"}')).toBe('config file c.yaml: env: must be a list (got object)');
    expect(errorOf('apiKey: a\noauthToken: b')).toBe('config file c.yaml: set only one of oauthToken or apiKey');
    // An unknown field beside a bad value: the error still stops it.
    expect(errorOf('apiKey: a\noauthToken: b\nextra: 1')).toBe('config file c.yaml: set only one of oauthToken or apiKey');
    expect(errorOf('workspace: {repo: r, token: t, githubApp: {appID: "1", installationID: "2", privateKeyPath: k}}')).toBe('config file c.yaml: workspace: set either token or githubApp, not both');
    expect(errorOf('- type')).toBe('config file c.yaml: must be an object (got list)');
    expect(errorOf('type: [')).toMatch(/^config file c\.yaml: invalid YAML: .*line 1/);
  });

  it('warns about unknown fields (Kelos ignores them) and keeps the rest', () => {
    const { config, warnings } = parse('type: codex\nmodl: x\nworkspace: {repo: r, reff: main}\nsessions: 3');
    expect(config).toEqual({ type: 'codex', workspace: { repo: 'r' } });
    expect(warnings.sort()).toEqual([
      'config file c.yaml: unknown field "modl" (did you mean "model"?), ignored',
      'config file c.yaml: unknown field "sessions", ignored',
      'config file c.yaml: workspace: unknown field "reff" (did you mean "ref"?), ignored',
    ]);
  });

  it('reads $KELOS_HOME/config.yaml, else ~/.kelos/config.yaml; absent is no config, an absent --config file an error', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-config-'));
    expect(defaultConfigPath({ KELOS_HOME: home })).toBe(path.join(home, 'config.yaml'));
    expect(defaultConfigPath({})).toBe(path.join(os.homedir(), '.kelos', 'config.yaml'));
    expect(loadConfigFile(undefined, { KELOS_HOME: home })).toEqual({ config: {}, warnings: [] });
    fs.writeFileSync(path.join(home, 'config.yaml'), 'model: m\n');
    expect(loadConfigFile(undefined, { KELOS_HOME: home })).toEqual({ file: path.join(home, 'config.yaml'), config: { model: 'm' }, warnings: [] });
    expect(() => loadConfigFile(path.join(home, 'missing.yaml'))).toThrow(`cannot read config file ${path.join(home, 'missing.yaml')} (--config): ENOENT`);
  });
});
