/**
 * Kelos CLI commands and flags through the real `kelos` binary: `version`, `completion`, and (against the test dev
 * server) `get -A/-d`, `delete task --all`, `run --depends-on/-y` and the global `--kubeconfig`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KELOS_ROOT, runKelos } from '../harness/kelos-cli';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kelos-parity-'));
const offline = (args: string[]) => runKelos({ address: '127.0.0.1:1', home }, args);

describe('kelos version', () => {
  it("prints the package's version on one line", () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(KELOS_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(offline(['version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(offline(['version', 'extra']).code).toBe(1);
  });
});

describe('kelos completion', () => {
  /** What bash offers after the typed words, with the generated script sourced into a real bash. */
  function bashComplete(script: string, words: string[]): string[] {
    const file = path.join(home, 'kelos.bash');
    fs.writeFileSync(file, script);
    const line = words.map((w) => `'${w}'`).join(' ');
    const out = spawnSync('bash', ['-c', `source ${file}; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _kelos_completions; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    return out.stdout.split('\n').filter(Boolean);
  }

  it('bash: completes commands, their flags, global flags after a value flag, and flag choices', () => {
    const out = offline(['completion', 'bash']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/complete -o default -F _kelos_completions kelos\n$/);
    expect(bashComplete(out.stdout, ['kelos', 've'])).toEqual(['version']);
    expect(bashComplete(out.stdout, ['kelos', 'co'])).toEqual(['controller', 'codec-server', 'completion']);
    // `-n team-a` is a global flag with its value: the subcommand after it still counts.
    expect(bashComplete(out.stdout, ['kelos', '-n', 'team-a', 'get', 'tasks', '--ph'])).toEqual(['--phase']);
    expect(bashComplete(out.stdout, ['kelos', 'run', '--credential-type', ''])).toEqual(['api-key', 'oauth', 'none']);
    expect(bashComplete(out.stdout, ['kelos', 'completion', ''])).toEqual(expect.arrayContaining(['bash', 'zsh', 'fish']));
    expect(bashComplete(out.stdout, ['kelos', 'get', '--namesp'])).toEqual(['--namespace']);
  });

  it('zsh loads the same function through bashcompinit; fish gets one complete line per command and flag', () => {
    const zsh = offline(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef kelos\n/);
    expect(zsh.stdout).toContain('bashcompinit');
    expect(zsh.stdout).toContain('complete -o default -F _kelos_completions kelos');
    const fish = offline(['completion', 'fish']).stdout;
    expect(fish).toContain("complete -c kelos -n '__fish_use_subcommand' -a 'version' -d 'print the kelos version'");
    expect(fish).toContain("complete -c kelos -n '__fish_seen_subcommand_from get' -s o -l output -r");
    expect(fish).toContain("complete -c kelos -n '__fish_seen_subcommand_from run' -l credential-type -x -a 'api-key oauth none'");
  });

  it('refuses an unknown shell naming the choices', () => {
    const out = offline(['completion', 'tcsh']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('Allowed choices are bash, zsh, fish');
  });
});
