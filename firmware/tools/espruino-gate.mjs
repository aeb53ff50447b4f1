// Syntax gate for code that runs on Espruino: parses with acorn and reports, with file:line, every
// construct the interpreter lacks or mishandles (/work/shared/facts/espruino.md, section A5).
// Level "espruino" reports only those; level "es5" (used for the firmware) also reports ES2015+
// syntax that 2v29 runs but older interpreters did not, or did differently (let/const are
// block-scoped only since 2v14), so the firmware stays plain ES5.
import { parse } from 'acorn';

/** Rule id -> what is wrong, for people. */
export const RULES = {
  'parse-error': 'not valid JavaScript',
  destructuring: 'destructuring is not supported',
  'default-params': 'default parameter values are not supported',
  'spread-rest': 'spread/rest (...) is not supported',
  'computed-key': 'computed object keys {[k]: v} are not supported',
  'async-await': 'async/await is not supported',
  generators: 'generators are not supported',
  exponent: 'the ** operator is not supported',
  'optional-chaining': 'optional chaining (?.) is not supported',
  labels: 'labels are not supported',
  modules: 'import/export is not supported: the board runs one script',
  'missing-builtin': 'not available on Espruino',
  'loop-let': 'let/const in a for head shares one binding across iterations on Espruino',
  'return-newline': 'Espruino does not end `return` at a line break: it returns the next line',
  'use-before-define': 'Espruino does not hoist functions: this runs before the declaration',
  'generic-pins': 'LED1/BTN1 are D2/D0 on the generic ESP32 build, not the HUZZAH32 LED or a button',
  'es5-let-const': 'let/const: the firmware is ES5-level, use var',
  'es5-arrow': 'arrow function: the firmware is ES5-level, use function',
  'es5-class': 'class: the firmware is ES5-level, use a constructor function',
  'es5-template': 'template literal: the firmware is ES5-level, use string concatenation',
  'es5-for-of': 'for...of: the firmware is ES5-level, use an index loop or forEach',
  'es5-nullish': '?? (confirmed on 2v29 only): the firmware is ES5-level',
  'es5-logical-assign': 'logical assignment (&&= ||= ??=): the firmware is ES5-level',
  'es5-shorthand': 'shorthand property or method: the firmware is ES5-level',
  'es5-optional-catch': 'catch without a binding: the firmware is ES5-level',
};

const MISSING_GLOBALS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol']);
const MISSING_STATICS = new Set([
  'Array.from', 'Number.isInteger', 'Math.trunc', 'Promise.allSettled', 'Promise.any',
]);
const MISSING_METHODS = new Set(['flat', 'flatMap', 'replaceAll', 'finally']);
const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/**
 * Checks one source text. Returns findings sorted by position; an empty list means it passes.
 * @param {string} source
 * @param {{ file?: string, level?: 'espruino' | 'es5' }} [options]
 */
export function checkEspruinoSource(source, options = {}) {
  const file = options.file ?? '<source>';
  const level = options.level ?? 'es5';
  const findings = [];
  const report = (rule, node, detail) => {
    if (rule.startsWith('es5-') && level !== 'es5') return;
    const { line, column } = node.loc.start;
    const message = detail ? `${detail}: ${RULES[rule]}` : RULES[rule];
    findings.push({ file, line, column: column + 1, rule, message });
  };

  const ast = parseEither(source);
  if ('error' in ast) {
    return [{ file, ...ast.error, rule: 'parse-error', message: `${RULES['parse-error']}: ${ast.message}` }];
  }
  const declared = declaredNames(ast.program);
  walk(ast.program, null, (node, parent) => checkNode(node, parent, source, declared, report));
  checkDeclarationOrder(ast.program, report);
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** One finding as `file:line:column rule: message`. */
export function formatFinding(f) {
  return `${f.file}:${f.line}:${f.column} ${f.rule}: ${f.message}`;
}

// A script first; a file with import/export only parses as a module, and is then reported.
function parseEither(source) {
  const base = { ecmaVersion: 'latest', locations: true, allowHashBang: true };
  try {
    return { program: parse(source, { ...base, sourceType: 'script' }) };
  } catch (scriptError) {
    try {
      return { program: parse(source, { ...base, sourceType: 'module' }) };
    } catch {
      const loc = scriptError.loc ?? { line: 1, column: 0 };
      return { error: { line: loc.line, column: loc.column + 1 }, message: scriptError.message };
    }
  }
}

function walk(node, parent, visit) {
  visit(node, parent);
  for (const key of Object.keys(node)) {
    if (key === 'loc') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const child of value) if (child && typeof child.type === 'string') walk(child, node, visit);
    } else if (value && typeof value.type === 'string') {
      walk(value, node, visit);
    }
  }
}

// Names the file declares itself (var, function, parameter), which may shadow a missing global.
function declaredNames(program) {
  const names = new Set();
  walk(program, null, (node) => {
    if (node.type === 'VariableDeclarator' && node.id.type === 'Identifier') names.add(node.id.name);
    if (FUNCTION_TYPES.has(node.type)) {
      if (node.id) names.add(node.id.name);
      for (const p of node.params) if (p.type === 'Identifier') names.add(p.name);
    }
  });
  return names;
}

function isReference(node, parent) {
  if (!parent) return true;
  if (parent.type === 'MemberExpression') return parent.object === node || parent.computed;
  if (['Property', 'MethodDefinition', 'PropertyDefinition'].includes(parent.type)) {
    return parent.value === node && parent.key !== node;
  }
  return true;
}

function checkNode(node, parent, source, declared, report) {
  switch (node.type) {
    case 'ObjectPattern':
    case 'ArrayPattern':
      return report('destructuring', node);
    case 'AssignmentPattern':
      return report('default-params', node);
    case 'RestElement':
    case 'SpreadElement':
      return report('spread-rest', node);
    case 'AwaitExpression':
      return report('async-await', node);
    case 'YieldExpression':
      return report('generators', node);
    case 'ChainExpression':
      return report('optional-chaining', node);
    case 'LabeledStatement':
      return report('labels', node);
    case 'ImportDeclaration':
    case 'ExportNamedDeclaration':
    case 'ExportDefaultDeclaration':
    case 'ExportAllDeclaration':
    case 'ImportExpression':
      return report('modules', node);
    case 'MetaProperty':
      if (node.meta.name === 'import') report('modules', node);
      return;
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      if (node.async) report('async-await', node);
      if (node.generator) report('generators', node);
      if (node.type === 'ArrowFunctionExpression') report('es5-arrow', node);
      return;
    case 'Property':
      if (node.computed) report('computed-key', node);
      else if (node.shorthand || node.method) report('es5-shorthand', node);
      return;
    case 'MethodDefinition':
    case 'PropertyDefinition':
      if (node.computed) report('computed-key', node);
      return;
    case 'BinaryExpression':
      if (node.operator === '**') report('exponent', node);
      return;
    case 'AssignmentExpression':
      if (node.operator === '**=') report('exponent', node);
      if (['&&=', '||=', '??='].includes(node.operator)) report('es5-logical-assign', node);
      return;
    case 'LogicalExpression':
      if (node.operator === '??') report('es5-nullish', node);
      return;
    case 'ForStatement':
    case 'ForInStatement':
    case 'ForOfStatement': {
      const head = node.type === 'ForStatement' ? node.init : node.left;
      if (head && head.type === 'VariableDeclaration' && head.kind !== 'var') report('loop-let', head);
      if (node.type === 'ForOfStatement') report(node.await ? 'async-await' : 'es5-for-of', node);
      return;
    }
    case 'VariableDeclaration':
      if (node.kind !== 'var') report('es5-let-const', node);
      return;
    case 'ClassDeclaration':
    case 'ClassExpression':
      return report('es5-class', node);
    case 'TemplateLiteral':
      if (parent?.type !== 'TaggedTemplateExpression') report('es5-template', node);
      return;
    case 'TaggedTemplateExpression':
      return report('es5-template', node);
    case 'CatchClause':
      if (!node.param) report('es5-optional-catch', node);
      return;
    case 'ReturnStatement':
      return checkReturn(node, source, report);
    case 'Identifier':
      if (!isReference(node, parent) || declared.has(node.name)) return;
      if (MISSING_GLOBALS.has(node.name)) report('missing-builtin', node, node.name);
      if (node.name === 'LED1' || node.name === 'BTN1') report('generic-pins', node, node.name);
      return;
    case 'MemberExpression':
      return checkMember(node, parent, report);
    default:
      return;
  }
}

function checkMember(node, parent, report) {
  if (node.computed || node.property.type !== 'Identifier') return;
  const name = node.property.name;
  if (node.object.type === 'Identifier' && MISSING_STATICS.has(`${node.object.name}.${name}`)) {
    report('missing-builtin', node, `${node.object.name}.${name}`);
  } else if (MISSING_METHODS.has(name) && parent?.type === 'CallExpression' && parent.callee === node) {
    report('missing-builtin', node, `.${name}()`);
  }
}

// acorn inserts the semicolon after a bare `return` at a line break; Espruino reads on instead.
function checkReturn(node, source, report) {
  if (node.argument || source[node.end - 1] === ';') return;
  const rest = source.slice(node.end).replace(/^(\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/, '');
  if (rest.length > 0 && rest[0] !== ';' && rest[0] !== '}') report('return-newline', node);
}

// Espruino declares a function only when execution reaches it. In every statement list, a
// statement may neither use a function declared further down nor call one that (through
// further calls) reaches such a function.
function checkDeclarationOrder(program, report) {
  walk(program, null, (node) => {
    if (node.type === 'Program' || node.type === 'BlockStatement' || node.type === 'StaticBlock') {
      checkStatementList(node.body, report);
    } else if (node.type === 'SwitchCase') {
      checkStatementList(node.consequent, report);
    }
  });
}

function checkStatementList(statements, report) {
  const declarations = new Map();
  statements.forEach((s, index) => {
    if (s.type === 'FunctionDeclaration' && s.id) declarations.set(s.id.name, { index, node: s });
  });
  if (declarations.size === 0) return;
  statements.forEach((statement, index) => {
    if (statement.type === 'FunctionDeclaration') return;
    for (const use of immediateUses(statement)) {
      const target = declarations.get(use.node.name);
      if (!target) continue;
      const name = use.node.name;
      if (target.index > index) {
        report('use-before-define', use.node, `${name} (declared on line ${target.node.loc.start.line})`);
        continue;
      }
      if (!use.call) continue;
      const late = firstLateCallee(name, index, declarations);
      if (late) report('use-before-define', use.node, `${name}() reaches ${late.name} (line ${late.line})`);
    }
  });
}

// Identifiers that run when this statement runs: not those inside nested function bodies.
function immediateUses(statement) {
  const uses = [];
  const visit = (node, parent) => {
    if (node !== statement && FUNCTION_TYPES.has(node.type)) return;
    if (node.type === 'Identifier' && isReference(node, parent)) {
      uses.push({ node, call: parent?.type === 'CallExpression' && parent.callee === node });
    }
    for (const key of Object.keys(node)) {
      if (key === 'loc') continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const child of value) if (child && typeof child.type === 'string') visit(child, node);
      } else if (value && typeof value.type === 'string') {
        visit(value, node);
      }
    }
  };
  visit(statement, null);
  return uses;
}

function firstLateCallee(name, index, declarations) {
  const seen = new Set([name]);
  const queue = [name];
  while (queue.length > 0) {
    const current = declarations.get(queue.shift());
    if (!current) continue;
    for (const s of current.node.body.body) {
      if (s.type === 'FunctionDeclaration') continue;
      for (const use of immediateUses(s)) {
        const callee = declarations.get(use.node.name);
        if (!use.call || !callee || seen.has(use.node.name)) continue;
        if (callee.index > index) return { name: use.node.name, line: callee.node.loc.start.line };
        seen.add(use.node.name);
        queue.push(use.node.name);
      }
    }
  }
  return null;
}
