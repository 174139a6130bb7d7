/**
 * Names that become paths under $KELOS_HOME are DNS labels / RFC 1123 names, checked before anything is touched:
 * a namespace or name that would climb out of the store is refused with the field named, and nothing is written
 * outside (nor inside).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { taskFiles } from '../../src/host/data-dir';
import { LocalSecretStore } from '../../src/host/secret-store';
import { runKelos } from '../harness/kelos-cli';

let base: string;
let home: string;

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-names-'));
  home = path.join(base, 'home');
  fs.mkdirSync(home, { mode: 0o700 });
});
afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

/** Every file and directory under `dir`, relative to it. */
function tree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).sort();
}

describe('the local secret store', () => {
  it('refuses a path-escaping namespace and writes nothing anywhere', () => {
    const store = new LocalSecretStore(home);
    expect(() => store.put('../../escaped', 'x', { TOKEN: 'secret' })).toThrow('invalid namespace "../../escaped": must be a lowercase RFC 1123 label');
    expect(() => store.put('../..', 'x', { TOKEN: 'secret' })).toThrow('invalid namespace "../.."');
    expect(() => store.put('default', '../../../escaped', { TOKEN: 'secret' })).toThrow('invalid secret name "../../../escaped"');
    expect(() => store.put('a/b', 'x', { TOKEN: 'secret' })).toThrow('invalid namespace "a/b"');
    expect(tree(base)).toEqual(['home']);
    expect(() => store.get('../../escaped', 'x')).toThrow('invalid namespace');
    expect(() => store.delete('default', '../../home')).toThrow('invalid secret name');
  });

  it('still keeps well-named secrets, 0600 in 0700 directories', () => {
    const store = new LocalSecretStore(home);
    store.put('team-a', 'gh.token', { TOKEN: 'secret' });
    expect(store.get('team-a', 'gh.token')).toEqual({ TOKEN: 'secret' });
    expect(fs.statSync(path.join(home, 'secrets', 'team-a', 'gh.token.json')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(home, 'secrets', 'team-a')).mode & 0o777).toBe(0o700);
  });

  it('through `kelos apply -n`: the namespace flag cannot climb out either', () => {
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {TOKEN: secret}\n';
    const out = runKelos({ address: '127.0.0.1:1', home }, ['apply', '-n', '../../escaped', '-f', '-'], secret);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^error: invalid namespace "\.\.\/\.\.\/escaped": must be a lowercase RFC 1123 label/);
    expect(fs.existsSync(path.join(base, 'escaped'))).toBe(false);
    expect(fs.existsSync(path.join(home, 'secrets'))).toBe(false);
  });
});

describe('Task directories', () => {
  it('are only made from valid names; a bad one is a non-retryable failure naming the field', () => {
    expect(taskFiles(home, 'default', 'fix-42').agentLog).toBe(path.join(home, 'tasks', 'default', 'fix-42', 'agent.log'));
    const refused = (namespace: string, name: string): ApplicationFailure => {
      try {
        taskFiles(home, namespace, name);
      } catch (err) {
        return err as ApplicationFailure;
      }
      throw new Error(`taskFiles accepted ${namespace}/${name}`);
    };
    const escape = refused('../..', 'x');
    expect(escape).toBeInstanceOf(ApplicationFailure);
    expect(escape).toMatchObject({ type: 'InvalidName', nonRetryable: true });
    expect(escape.message).toMatch(/^invalid namespace "\.\.\/\.\."/);
    expect(refused('default', '..').message).toMatch(/^invalid Task name "\.\."/);
    expect(refused('default', 'a/../../b').message).toMatch(/^invalid Task name/);
    expect(refused('Default', 'x').message).toMatch(/^invalid namespace "Default"/);
  });
});
