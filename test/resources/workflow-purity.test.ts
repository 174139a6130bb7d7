/**
 * Workflow code is deterministic only if nothing bundled into it reaches Node: this walks the modules the worker
 * bundles (every value import from workflows/index.ts, transitively, as webpack follows them) and fails on a Node
 * built-in module or a Node global (`Buffer`, `process`, `require`, `__dirname`, …) used as a value. A tsconfig
 * without Node's types cannot do it: the Temporal SDK's own declarations pull them in. The sandbox provides the
 * few globals allowed below.
 */
import * as path from 'node:path';
import { builtinModules } from 'node:module';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const ENTRY = path.join(ROOT, 'workflows', 'index.ts');
/** What Temporal's workflow sandbox provides itself (deterministic versions of timers, console, text codecs). */
const SANDBOX_GLOBALS = new Set(['setTimeout', 'clearTimeout', 'console', 'TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams']);
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function bundledFiles(program: ts.Program): { files: ts.SourceFile[]; builtinImports: string[] } {
  const seen = new Set<string>();
  const files: ts.SourceFile[] = [];
  const builtinImports: string[] = [];
  const queue = [ENTRY];
  while (queue.length) {
    const fileName = queue.pop()!;
    if (seen.has(fileName)) continue;
    seen.add(fileName);
    const source = program.getSourceFile(fileName);
    if (!source) continue;
    files.push(source);
    for (const statement of source.statements) {
      const specifier = moduleOf(statement);
      if (!specifier) continue;
      if (BUILTINS.has(specifier)) {
        builtinImports.push(`${path.relative(ROOT, fileName)} imports ${specifier}`);
        continue;
      }
      const resolved = ts.resolveModuleName(specifier, fileName, program.getCompilerOptions(), ts.sys).resolvedModule;
      if (resolved && !resolved.isExternalLibraryImport && resolved.resolvedFileName.endsWith('.ts')) queue.push(resolved.resolvedFileName);
    }
  }
  return { files, builtinImports };
}

/** The module a statement loads at run time (type-only imports and exports load nothing). */
function moduleOf(statement: ts.Statement): string | undefined {
  if (ts.isImportDeclaration(statement)) {
    if (statement.importClause?.isTypeOnly) return undefined;
    const named = statement.importClause?.namedBindings;
    if (statement.importClause && !statement.importClause.name && named && ts.isNamedImports(named) && named.elements.length && named.elements.every((e) => e.isTypeOnly)) return undefined;
    return (statement.moduleSpecifier as ts.StringLiteral).text;
  }
  if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) return (statement.moduleSpecifier as ts.StringLiteral).text;
  return undefined;
}

function nodeGlobalsUsed(source: ts.SourceFile, checker: ts.TypeChecker): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node, parent?: ts.Node): void => {
    if (ts.isTypeNode(node) || ts.isImportDeclaration(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
    // Globals only: a member name (`.from` of Buffer.from) is judged through its object.
    const isMemberName = parent !== undefined && ts.isPropertyAccessExpression(parent) && parent.name === node;
    if (ts.isIdentifier(node) && !isMemberName && !SANDBOX_GLOBALS.has(node.text)) {
      const declarations = checker.getSymbolAtLocation(node)?.declarations ?? [];
      if (declarations.length && declarations.every((d) => d.getSourceFile().fileName.includes('/@types/node/'))) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${path.relative(ROOT, source.fileName)}:${line + 1} uses ${node.text}`);
      }
    }
    ts.forEachChild(node, (child) => visit(child, node));
  };
  visit(source);
  return found;
}

it('the code bundled into workflows uses no Node built-in module and no Node global', () => {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const program = ts.createProgram([ENTRY], config.options);
  const { files, builtinImports } = bundledFiles(program);
  expect(files.length).toBeGreaterThan(50); // the walk found the bundle (workflows, api, their helpers)
  const checker = program.getTypeChecker();
  const violations = [...builtinImports, ...files.flatMap((file) => nodeGlobalsUsed(file, checker))];
  expect(violations).toEqual([]);
});

it('would catch one: a Buffer in bundled code is reported', () => {
  const file = path.join(ROOT, 'workflows', 'index.ts');
  const host = ts.createCompilerHost({});
  const original = host.getSourceFile;
  host.getSourceFile = (name, version, ...rest) =>
    name === file ? ts.createSourceFile(name, "export const leak = Buffer.from('x').length;\n", version) : original.call(host, name, version, ...rest);
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const program = ts.createProgram([file], config.options, host);
  const violations = nodeGlobalsUsed(program.getSourceFile(file)!, program.getTypeChecker());
  expect(violations).toEqual(['workflows/index.ts:1 uses Buffer']);
});
