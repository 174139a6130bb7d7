#!/usr/bin/env node
/**
 * Part of `npm run build`: workflow code is deterministic only if nothing bundled into it reaches Node. This walks
 * the modules the worker bundles (every value import from src/workflows/index.ts, transitively, as webpack follows
 * them) and fails on a Node built-in module or a Node global (`Buffer`, `process`, `require`, `__dirname`, …) used
 * as a value, naming file and line. Why not a tsconfig without Node's types: the Temporal SDK's own declarations
 * pull them in. Plain JavaScript so the build runs it with nothing compiled first.
 */
const path = require('node:path');
const { builtinModules } = require('node:module');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '..');
const ENTRY = path.join(ROOT, 'src', 'workflows', 'index.ts');
/** What Temporal's workflow sandbox provides itself (deterministic versions of timers, console, text codecs). */
const SANDBOX_GLOBALS = new Set(['setTimeout', 'clearTimeout', 'console', 'TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams']);
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** A program over the bundle's entry with the project's compiler options (`host` lets a test swap a file). */
function workflowProgram(entry = ENTRY, host) {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  return ts.createProgram([entry], config.options, host);
}

/** The files the bundle holds, and the Node built-ins they import. */
function bundledFiles(program, entry = ENTRY) {
  const seen = new Set();
  const files = [];
  const builtinImports = [];
  const queue = [entry];
  while (queue.length) {
    const fileName = queue.pop();
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
function moduleOf(statement) {
  if (ts.isImportDeclaration(statement)) {
    if (statement.importClause && statement.importClause.isTypeOnly) return undefined;
    const named = statement.importClause && statement.importClause.namedBindings;
    if (statement.importClause && !statement.importClause.name && named && ts.isNamedImports(named) && named.elements.length && named.elements.every((e) => e.isTypeOnly)) return undefined;
    return statement.moduleSpecifier.text;
  }
  if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) return statement.moduleSpecifier.text;
  return undefined;
}

/** `file:line uses Name` for each Node global a file uses as a value. */
function nodeGlobalsUsed(source, checker) {
  const found = [];
  const visit = (node, parent) => {
    if (ts.isTypeNode(node) || ts.isImportDeclaration(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
    // Globals only: a member name (`.from` of Buffer.from) is judged through its object.
    const isMemberName = parent !== undefined && ts.isPropertyAccessExpression(parent) && parent.name === node;
    if (ts.isIdentifier(node) && !isMemberName && !SANDBOX_GLOBALS.has(node.text)) {
      const symbol = checker.getSymbolAtLocation(node);
      const declarations = (symbol && symbol.declarations) || [];
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

/** Every violation in the bundle, and how many files it holds. */
function checkWorkflowPurity(entry = ENTRY, host) {
  const program = workflowProgram(entry, host);
  const { files, builtinImports } = bundledFiles(program, entry);
  const checker = program.getTypeChecker();
  return { fileCount: files.length, violations: [...builtinImports, ...files.flatMap((file) => nodeGlobalsUsed(file, checker))] };
}

module.exports = { checkWorkflowPurity, ENTRY, ROOT };

if (require.main === module) {
  const { fileCount, violations } = checkWorkflowPurity();
  if (violations.length) {
    process.stderr.write(`workflow code must not reach Node (it is bundled into Temporal's deterministic sandbox):\n${violations.map((v) => `  ${v}`).join('\n')}\n`);
    process.exit(1);
  }
  if (fileCount < 50) {
    process.stderr.write(`workflow purity: found only ${fileCount} bundled files from ${path.relative(ROOT, ENTRY)}: the walk is broken\n`);
    process.exit(1);
  }
}
