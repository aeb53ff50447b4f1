// The ESP32 harness itself: it must behave like Espruino where the firmware depends on it,
// or the other firmware tests prove nothing.

import { startBoard, startTestBroker, type Board, type TestBroker } from './harness/index.js';

let board: Board | undefined;
let broker: TestBroker | undefined;

afterEach(async () => {
  await board?.stop();
  await broker?.close();
  board = broker = undefined;
});

/** A board with the firmware loaded but not started, to run REPL-style snippets on. */
async function idleBoard(options: Parameters<typeof startBoard>[0] = {}): Promise<Board> {
  board = await startBoard({ clock: 'fake', boot: false, ...options });
  return board;
}

describe('sandbox', () => {
  test('offers no Node globals and none of the builtins Espruino lacks', async () => {
    const b = await idleBoard();
    const missing = ['Buffer', 'setImmediate', 'queueMicrotask', 'structuredClone', 'fetch', 'Map', 'Set',
      'WeakMap', 'Symbol', 'Proxy', 'Reflect', 'Intl', 'module', 'exports', '__dirname'];
    for (const name of missing) expect([name, b.evaluate(`typeof ${name}`)]).toEqual([name, 'undefined']);
    expect(b.evaluate('typeof Array.from + typeof Math.trunc + typeof [].flat + typeof "".replaceAll'))
      .toBe('undefinedundefinedundefinedundefined');
    expect(b.evaluate('typeof process.memory + typeof process.versions')).toBe('functionundefined');
    expect(() => b.evaluate('require("fs")')).toThrow('Module fs not found');
  });

  test('records an exception in a callback and keeps running, as the board does', async () => {
    const b = await idleBoard();
    b.evaluate(`setTimeout(function () { throw new Error("boom"); }, 10);
      var after = 0; setTimeout(function () { after = 1; }, 20);`);
    await b.sleep(30);
    expect(b.errors).toHaveLength(1);
    expect(b.console[0]).toMatch(/^Uncaught Error: boom/);
    expect(b.evaluate('after')).toBe(1);
  });
});

describe('timers', () => {
  test('setInterval repeats and clearInterval() without an argument stops every timer', async () => {
    const b = await idleBoard();
    b.evaluate(`var n = 0, t = 0;
      setInterval(function () { n++; }, 100); setTimeout(function () { t++; }, 1000);`);
    await b.sleep(350);
    expect(b.evaluate('n')).toBe(3);
    b.evaluate('clearInterval()');
    await b.sleep(1000);
    expect(b.evaluate('n + "," + t')).toBe('3,0');
    expect(b.clock.pending()).toBe(0);
  });

  test('getTime() is seconds since boot on the board clock', async () => {
    const b = await idleBoard();
    await b.sleep(1500);
    expect(b.evaluate('getTime()')).toBe(1.5);
  });
});

describe('setWatch', () => {
  const record = `var seen = [];
    function rec(e) { seen.push((e.state ? "H" : "L") + "@" + Math.round(e.time * 1000)); }`;

  test('debounce: a bouncing contact reports one edge, stamped with its last bounce', async () => {
    const b = await idleBoard();
    b.evaluate(`${record} setWatch(rec, D21, { repeat: true, edge: "both", debounce: 25 });`);
    await b.button.bounce([[0, 0], [3, 1], [6, 0], [9, 1], [12, 0], [200, 1], [205, 0], [207, 1]]);
    await b.sleep(100);
    expect(b.evaluate('seen.join(" ")')).toBe('L@12 H@207');
  });

  test('debounce: a glitch shorter than the debounce time reports nothing', async () => {
    const b = await idleBoard();
    b.evaluate(`${record} setWatch(rec, D21, { repeat: true, edge: "both", debounce: 25 });`);
    await b.button.bounce([[0, 0], [10, 1]]);
    await b.sleep(100);
    expect(b.evaluate('seen.length')).toBe(0);
  });

  test('edge filters which settled edges are reported; without repeat a watch fires once', async () => {
    const b = await idleBoard();
    b.evaluate(`${record} setWatch(rec, D21, { repeat: true, edge: "falling", debounce: 10 });
      var once = 0; setWatch(function () { once++; }, D21, { edge: "rising" });`);
    for (let i = 0; i < 3; i++) await b.button.press({ holdMs: 50, settleMs: 50 });
    expect(b.evaluate('seen.length + "," + once')).toBe('3,1');
  });

  test('watching a pin turns on its pull-up; clearWatch() removes every watch', async () => {
    const b = await idleBoard();
    b.evaluate('pinMode(D4, "input"); var w = setWatch(function () {}, D4, { repeat: true });');
    expect(b.evaluate('getPinMode(D4) + digitalRead(D4)')).toBe('input_pullup1');
    b.evaluate('clearWatch()');
    expect(() => b.evaluate('clearWatch(w)')).toThrow('Unknown Watch');
  });
});

describe('Storage and pins', () => {
  test('Storage reads, writes, lists and erases 8-bit strings', async () => {
    const b = await idleBoard({ storage: { 'a.json': '{"x":1}' } });
    b.evaluate('var S = require("Storage"); S.write("b.txt", "hello"); S.write("c", "abcdef", 0, 8)');
    expect(b.evaluate('S.readJSON("a.json").x + S.read("b.txt") + S.list(/\\.txt$/).join()')).toBe('1hellob.txt');
    expect(b.evaluate('S.read("c").length + "," + S.readJSON("b.txt", true)')).toBe('8,undefined');
    b.evaluate('S.erase("b.txt")');
    expect(b.evaluate('S.read("b.txt")')).toBeUndefined();
    expect(() => b.evaluate('S.write("a-name-that-is-far-too-long-for-flash", "")')).toThrow(/1\.\.28/);
  });

  test('digitalWrite switches an automatic pin to output and the history records level changes', async () => {
    const b = await idleBoard();
    expect(b.evaluate('getPinMode(D13) + digitalRead(D13)')).toBe('auto1'); // pulled up at boot
    b.evaluate('digitalWrite(D13, 0)');
    await b.sleep(50);
    b.evaluate('D13.set(); D13.write(true)');
    expect(b.evaluate('getPinMode(D13)')).toBe('output');
    expect(b.led.history().map((c) => [c.t, c.level])).toEqual([[0, 1], [0, 0], [50, 1]]);
    expect(b.evaluate('analogRead(D35)')).toBe(0);
    expect(() => b.evaluate('analogRead(D13)')).toThrow('not an ADC1 pin');
  });
});

describe('Wi-Fi', () => {
  test('a failed connect calls back with the reason and emits disconnected; nothing retries', async () => {
    const b = await idleBoard({ wifi: { password: 'right' } });
    b.evaluate(`var W = require("Wifi"), log = [];
      W.on("disconnected", function (d) { log.push("event " + d.msg); });
      W.connect("ap", { password: "wrong" }, function (err) { log.push("cb " + err); });`);
    await b.waitFor(() => Number(b.evaluate('log.length')) === 2);
    await b.sleep(500);
    expect(b.evaluate('log.sort().join()')).toBe('cb auth_fail,event auth_fail');
    expect(b.wifi.attempts).toHaveLength(1);
  });

  test('a drop emits disconnected once and leaves the station off', async () => {
    const b = await idleBoard();
    b.evaluate(`var W = require("Wifi"), log = [];
      W.on("connected", function (d) { log.push("up " + d.ip); });
      W.on("disconnected", function (d) { log.push("down " + d.msg); });
      W.connect("ap", { password: "x" }, function () {});`);
    await b.waitFor(() => Number(b.evaluate('log.length')) === 1);
    b.wifi.drop();
    await b.waitFor(() => Number(b.evaluate('log.length')) === 2);
    expect(b.evaluate('log.join() + "," + W.getDetails().status + "," + W.getIP().ip')).toBe(
      'up 192.168.4.23,down beacon_timeout,off,undefined',
    );
  });
});

describe('MQTT module', () => {
  const connectAndLog = (port: number, extra = ''): string => `
    var W = require("Wifi"), log = [];
    var m = require("MQTT").create("127.0.0.1", { port: ${port}, client_id: "esp32-test" ${extra} });
    ["connected", "disconnected", "close", "error", "publish"].forEach(function (ev) {
      m.on(ev, function (x) {
        var detail = typeof x === "string" ? " " + x : x && x.topic ? " " + x.topic + "=" + x.message : "";
        log.push(ev + detail);
      });
    });
    W.connect("ap", {}, function () { m.connect(); log.push("connect() returned"); });`;

  test('a refused login looks like connected then disconnected, with no error', async () => {
    broker = await startTestBroker({
      authenticate: (_c, _u, _p, done) => {
        done(Object.assign(new Error('no'), { returnCode: 4 as const }), false);
      },
    });
    const b = await idleBoard();
    b.evaluate(connectAndLog(broker.port, ', username: "u", password: "p"'));
    await b.waitFor(() => Number(b.evaluate('log.length')) >= 4);
    expect(b.evaluate('log.join()')).toBe('connect() returned,connected,disconnected,close');
  });

  test('a refused TCP connection gives error then disconnected, without close', async () => {
    broker = await startTestBroker();
    await broker.stop();
    const b = await idleBoard();
    b.evaluate(connectAndLog(broker.port));
    await b.waitFor(() => Number(b.evaluate('log.length')) >= 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(b.evaluate('log.join()')).toBe('connect() returned,error Unable to create socket,disconnected');
  });

  test('publish without a connection is dropped silently; messages arrive as 8-bit strings', async () => {
    broker = await startTestBroker();
    const b = await idleBoard();
    b.evaluate(`${connectAndLog(broker.port)} m.publish("t/early", "lost");`);
    await b.waitFor(() => b.evaluate('log.indexOf("connected") >= 0') === true);
    b.evaluate('m.subscribe("t/#"); m.publish("t/x", "caf\\xc3\\xa9");');
    await b.waitFor(() => Number(b.evaluate('log.length')) >= 3);
    expect(b.evaluate('log.slice(1).join()')).toBe('connected,publish t/x=caf\u00c3\u00a9');
    expect(b.mqtt.sent.map((s) => s.topic)).toEqual(['t/x']);
  });

  test('boards that leave client_id unset share one id (fixed-seed Math.random)', async () => {
    const a = await startBoard({ boot: false });
    const c = await startBoard({ boot: false });
    try {
      const id = 'require("MQTT").create("h").client_id';
      expect(a.evaluate(id)).toBe(c.evaluate(id));
    } finally {
      await a.stop();
      await c.stop();
    }
  });
});

describe('http module', () => {
  test('url.parse and encodeURIComponent work on 8-bit strings as on the board', async () => {
    const b = await idleBoard();
    expect(b.evaluate('JSON.stringify(url.parse("http://10.0.0.2:8080/api/status?device=x"))')).toBe(
      '{"method":"GET","protocol":"http:","host":"10.0.0.2","path":"/api/status?device=x",' +
        '"pathname":"/api/status","search":"?device=x","port":8080,"query":"device=x"}',
    );
    // "Café" as UTF-8 bytes in an 8-bit string encodes to the same %XX as UTF-8 would.
    expect(b.evaluate('encodeURIComponent("Caf\\xc3\\xa9 1")')).toBe('Caf%C3%A9%201');
  });

  test('without Wi-Fi, http.request throws as on the board', async () => {
    const b = await idleBoard();
    expect(() => b.evaluate('require("http").get("http://127.0.0.1:1/")')).toThrow('Not connected to the internet');
  });
});
