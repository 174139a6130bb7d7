/**
 * The build's purity check (scripts/check-workflow-purity.js, run by `npm run build`): the code bundled into
 * workflows uses no Node built-in module and no Node global, and the check really finds one.
 */
import * as path from 'node:path';
import ts from 'typescript';

const { checkWorkflowPurity, ROOT } = require('../../scripts/check-workflow-purity.js') as {
  checkWorkflowPurity(entry?: string, host?: ts.CompilerHost): { fileCount: number; violations: string[] };
  ROOT: string;
};

it('the code bundled into workflows uses no Node built-in module and no Node global', () => {
  const { fileCount, violations } = checkWorkflowPurity();
  expect(fileCount).toBeGreaterThan(50); // the walk found the bundle (workflows and their helpers)
  expect(violations).toEqual([]);
});

it('would catch one: a Buffer or a Node module in bundled code is reported with its file and line', () => {
  const file = path.join(ROOT, 'src', 'workflows', 'index.ts');
  const host = ts.createCompilerHost({});
  const original = host.getSourceFile;
  host.getSourceFile = (name, version, ...rest) =>
    name === file
      ? ts.createSourceFile(name, "import * as fs from 'node:fs';\nexport const leak = Buffer.from('x').length + fs.constants.F_OK;\n", version)
      : original.call(host, name, version, ...rest);
  const { violations } = checkWorkflowPurity(file, host);
  expect(violations).toEqual(['src/workflows/index.ts imports node:fs', 'src/workflows/index.ts:2 uses Buffer']);
});
