// The syntax gate: every firmware file must pass it, and it must catch what Espruino lacks.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkEspruinoSource, formatFinding, RULES } from '../../firmware/tools/espruino-gate.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return jsFiles(path);
    return e.name.endsWith('.js') ? [path] : [];
  });
}

const firmwareFiles = jsFiles(join(ROOT, 'firmware'));

test('finds the firmware files', () => {
  expect(firmwareFiles.map((f) => relative(ROOT, f))).toContain('firmware/tuya-button.js');
});

const named = firmwareFiles.map((f) => [relative(ROOT, f), f]);

test.each(named)('%s uses only ES5 that Espruino runs', (name, path) => {
  const findings = checkEspruinoSource(readFileSync(path, 'utf8'), { file: name, level: 'es5' });
  expect(findings.map(formatFinding)).toEqual([]);
});

// Each snippet puts the offending construct on line 2, after a harmless first line.
const BAD: Array<[rule: string, snippet: string]> = [
  ['destructuring', 'var { a, b } = o;'],
  ['destructuring', 'function f([x, y]) { return x; }'],
  ['default-params', 'function f(a, b = 2) { return a + b; }'],
  ['spread-rest', 'f(...args);'],
  ['spread-rest', 'function f(a, ...rest) { return rest; }'],
  ['computed-key', 'var o = { [k]: 1 };'],
  ['async-await', 'async function f() { await g(); }'],
  ['generators', 'function* g() { yield 1; }'],
  ['exponent', 'var x = 2 ** 8;'],
  ['exponent', 'x **= 2;'],
  ['optional-chaining', 'var x = o?.a;'],
  ['labels', 'outer: for (var i = 0; i < 2; i++) { break outer; }'],
  ['modules', 'import x from "y";'],
  ['modules', 'export var x = 1;'],
  ['missing-builtin', 'var m = new Map();'],
  ['missing-builtin', 'var s = Symbol("x");'],
  ['missing-builtin', 'var a = Array.from(list);'],
  ['missing-builtin', 'var n = Number.isInteger(v) && Math.trunc(v);'],
  ['missing-builtin', 'p.then(f).finally(g);'],
  ['missing-builtin', 'var t = s.replaceAll("a", "b");'],
  ['missing-builtin', 'var flat = list.flat();'],
  ['missing-builtin', 'Promise.allSettled(ps);'],
  ['loop-let', 'for (let i = 0; i < 3; i++) fs.push(function () { return i; });'],
  ['return-newline', 'function f() { return\n 42; }'],
  ['use-before-define', 'start();\nfunction start() {}'],
  ['use-before-define', 'setWatch(onPress, D21, { repeat: true });\nfunction onPress() {}'],
  ['use-before-define', 'function a() { b(); } a();\nfunction b() {}'],
  ['use-before-define', 'if (x) { go(); function go() {} }'],
  ['generic-pins', 'digitalWrite(LED1, 1);'],
  ['es5-let-const', 'const x = 1;'],
  ['es5-arrow', 'var f = (x) => x + 1;'],
  ['es5-class', 'class A {}'],
  ['es5-template', 'var s = `a${b}`;'],
  ['es5-for-of', 'for (var x of list) f(x);'],
  ['es5-nullish', 'var x = a ?? b;'],
  ['es5-logical-assign', 'a ||= 1;'],
  ['es5-shorthand', 'var o = { a, f() {} };'],
  ['es5-optional-catch', 'try { f(); } catch { g(); }'],
  ['parse-error', 'var = ;'],
];

test.each(BAD)('catches %s on the line it happens: %s', (rule, snippet) => {
  const findings = checkEspruinoSource(`var ok = 1;\n${snippet}\n`, { file: 'bad.js' });
  expect(findings).toContainEqual(expect.objectContaining({ rule, line: 2, file: 'bad.js' }));
});

test('every rule has at least one bad snippet', () => {
  expect(new Set(BAD.map(([rule]) => rule))).toEqual(new Set(Object.keys(RULES)));
});

test('level "espruino" lets through what 2v29 runs, but still catches what it lacks', () => {
  const modern = 'const f = (x) => `${x}`;\nclass A {}\nvar y = a ?? b;\n';
  expect(checkEspruinoSource(modern, { level: 'espruino' })).toEqual([]);
  expect(checkEspruinoSource('var [a] = b;', { level: 'espruino' })).toHaveLength(1);
});

test('accepts plain ES5, including functions used after their declaration and in callbacks', () => {
  const clean = `var state = { on: false };
function show() { digitalWrite(D13, state.on ? 1 : 0); }
function onPress(e) { state.on = !state.on; show(); later(); }
function onInit() { setWatch(onPress, D21, { repeat: true, edge: "falling", debounce: 50 }); }
function later() { return state.on; }
var o = { map: [1].map(function (x) { return x; }), "key": 2 };
o.Map = 1;
onInit();
`;
  expect(checkEspruinoSource(clean).map(formatFinding)).toEqual([]);
});

test('formats findings as file:line:column rule: message', () => {
  const [finding] = checkEspruinoSource('var a = 1;\nvar b = 2 ** 3;', { file: 'x.js' });
  expect(finding && formatFinding(finding)).toBe('x.js:2:9 exponent: the ** operator is not supported');
});
