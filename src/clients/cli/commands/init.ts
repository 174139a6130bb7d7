/**
 * `kelos init [--force]`: writes the commented config template (src/clients/cli/config-template.ts) at `--config` or
 * the default path, as Kelos's `init` does; an existing file is kept unless --force.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { KelosError } from '../../kelos-api';
import { defaultConfigPath } from '../config-file';
import { CONFIG_TEMPLATE } from '../config-template';

export function initCommand(configPath: () => string | undefined): Command {
  return new Command('init')
    .description('write a commented config file (--config, default $KELOS_HOME/config.yaml or ~/.kelos/config.yaml)')
    .option('-f, --force', 'overwrite an existing config file')
    .action((opts: { force?: boolean }) => {
      const file = path.resolve(configPath() ?? defaultConfigPath());
      if (!opts.force && fs.existsSync(file)) throw new KelosError(`config file already exists: ${file} (use --force to overwrite)`);
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // The file will hold a credential: private to its user, even when it is replaced.
      fs.writeFileSync(file, CONFIG_TEMPLATE, { mode: 0o600 });
      fs.chmodSync(file, 0o600);
      console.log(`Config file created: ${file}`);
      console.log('\nNext: put your agent credential (apiKey or oauthToken) in it, start kelos (`kelos dev`), then');
      console.log('  kelos run -p "Create a hello world program in Python"');
    });
}
