/* tuya-button: a one-button remote for one Tuya plug behind tuya-mqtt-bridge.
   Board: Adafruit Feather HUZZAH32 running Espruino. Button GPIO21 -> GND, red LED GPIO13.
   Plain ES5: Espruino parses as it runs, so every function is declared before onInit() runs.
   All site settings come from the Storage file CONFIG_FILE; see firmware/README.md. */

var CONFIG_FILE = "tuya-button.json";

/* Defaults for the optional keys (README, "Config keys"); times are in ms. */
var DEFAULTS = {
  mode: "mqtt",
  mqtt: { port: 1883, username: "", password: "", baseTopic: "tuya", keepAlive: 30 },
  http: { url: "" },
  pins: { button: "D21", led: "D13", battery: "D35" },
  battery: { fullScale: 3.6, divider: 2 },
  timing: {
    debounceMs: 50, longPressMs: 1000, replyTimeoutMs: 8000, statusPollMs: 60000,
    telemetryMs: 60000, httpPollMs: 5000, wifiRetryMinMs: 5000, wifiRetryMaxMs: 60000,
    mqttRetryMinMs: 1000, mqttRetryMaxMs: 60000, authRetryMs: 60000, authFailWindowMs: 1000
  }
};

/* LED patterns as [level, ms, level, ms, ...], repeated; one level alone is steady. */
var PATTERNS = {
  on: [1],                                                /* plug is on */
  off: [0],                                               /* plug is off or not known yet */
  busy: [1, 50, 0, 50],                                   /* a press awaits its reply */
  fault: [1, 100, 0, 900],                                /* plug offline or last command failed */
  link: [1, 100, 0, 100, 1, 100, 0, 700],                 /* broker or bridge unreachable */
  wifi: [1, 500, 0, 500],                                 /* Wi-Fi down */
  config: [1, 100, 0, 100, 1, 100, 0, 100, 1, 100, 0, 700] /* config missing or broken */
};

/* Pins GPIO6-11 are the SPI flash; GPIO34-39 have no pull-up for a button. */
var FLASH_PINS = /^D([6-9]|1[01])$/;
var NO_PULLUP_PINS = /^D3[4-9]$/;

var cfg;   /* the checked config */
var PIN;   /* {button, led, battery} Pin objects */
var TOPIC; /* MQTT topics of this board */
var S;     /* everything that changes at run time */

function log(msg) { console.log("tuya-button: " + msg); }

/* ---- config ---------------------------------------------------------- */

/* Overlays the given section on its defaults, so missing keys take the default. */
function section(given, defaults) {
  var out = {}, k;
  for (k in defaults) out[k] = defaults[k];
  if (given && typeof given === "object") for (k in given) out[k] = given[k];
  return out;
}

function text(v) { return typeof v === "string" && v.length > 0; }

function num(v, min, max) { return typeof v === "number" && v >= min && v <= max; }

/* Returns a text naming the first problem, or "" when the config is usable. */
function configProblem(c) {
  var k, p, m = c.mqtt;
  if (!text(c.device)) return "device must name the plug";
  if (!c.wifi || !text(c.wifi.ssid)) return "wifi.ssid is missing";
  if (c.wifi.password !== undefined && typeof c.wifi.password !== "string") {
    return "wifi.password must be a string";
  }
  if (c.mode !== "mqtt" && c.mode !== "http") return "mode must be mqtt or http";
  if (c.mode === "mqtt" && !text(m.host)) return "mqtt.host is missing";
  if (!num(m.port, 1, 65535)) return "mqtt.port must be 1..65535";
  /* below 40 s the MQTT module pings every keepAlive-5 s, so 5 or less never pings */
  if (!num(m.keepAlive, 6, 65535)) return "mqtt.keepAlive must be 6..65535 (s)";
  if (!text(m.baseTopic) || /[+#]/.test(m.baseTopic)) return "mqtt.baseTopic is invalid";
  if (c.mode === "http" && !/^http:\/\/[^\/]+/.test(c.http.url)) {
    return "http.url must look like http://host:port";
  }
  for (k in c.pins) {
    p = c.pins[k];
    if (k === "battery" && p === null) continue;
    if (typeof p !== "string" || !/^D([0-9]|[1-3][0-9])$/.test(p) || FLASH_PINS.test(p)) {
      return "pins." + k + " must be a usable pin like D21";
    }
  }
  if (NO_PULLUP_PINS.test(c.pins.button)) return "pins.button has no internal pull-up (GPIO34-39)";
  for (k in DEFAULTS.timing) if (!num(c.timing[k], 0, 86400000)) return "timing." + k + " must be ms";
  if (!(c.battery.fullScale > 0 && c.battery.divider > 0)) return "battery values must be positive";
  return "";
}

/* Reads the config file; returns {config} or {error} with a text for the console. */
function readConfig() {
  var raw = require("Storage").read(CONFIG_FILE), c, k, problem;
  if (raw === undefined) return { error: "missing: no " + CONFIG_FILE + " (npm run firmware:provision)" };
  try { c = JSON.parse(raw); } catch (e) { return { error: "broken: " + CONFIG_FILE + " is not JSON" }; }
  if (!c || typeof c !== "object" || Array.isArray(c)) return { error: "broken: not a JSON object" };
  if (c.mode === undefined) c.mode = DEFAULTS.mode;
  for (k in DEFAULTS) if (k !== "mode") c[k] = section(c[k], DEFAULTS[k]);
  problem = configProblem(c);
  return problem ? { error: "invalid: " + problem } : { config: c };
}

/* ---- backoff --------------------------------------------------------- */

function backoff(min, max) { return { min: min, max: max, cur: min }; }

/* Next wait: doubles up to max, with +-20% jitter so boards do not retry in step. */
function nextDelay(b) {
  var d = b.cur;
  b.cur = Math.min(b.cur * 2, b.max);
  return Math.round(d * (0.8 + 0.4 * Math.random()));
}

function resetDelay(b) { b.cur = b.min; }

/* ---- LED ------------------------------------------------------------- */

function linkUp() {
  if (!S.wifiUp) return false;
  return cfg.mode === "http" ? S.httpUp : S.mqUp && S.bridgeUp;
}

/* Picks the pattern for the most important thing that is wrong, else mirrors the plug. */
function refreshLed() {
  var name;
  if (S.cfgError) name = "config";
  else if (!S.wifiUp) name = "wifi";
  else if (!linkUp()) name = "link";
  else if (S.pending) name = "busy";
  else if (S.failed || S.plugOnline === false) name = "fault";
  else name = S.plugOn ? "on" : "off";
  if (name === S.ledName) return;
  S.ledName = name;
  S.ledStep = 0;
  if (S.ledTimer) clearTimeout(S.ledTimer);
  stepLed();
}

function stepLed() {
  var p = PATTERNS[S.ledName], ms;
  S.ledTimer = undefined;
  digitalWrite(PIN.led, p[S.ledStep]);
  if (p.length < 2) return;
  ms = p[S.ledStep + 1];
  S.ledStep = (S.ledStep + 2) % p.length;
  S.ledTimer = setTimeout(stepLed, ms);
}

/* ---- commands and replies -------------------------------------------- */

/* Sends one command. A press (byUser) flickers the LED until its reply; a probe does not.
   Nothing is queued: while the link is down the command is dropped and the LED says why. */
function request(action, byUser) {
  var can = cfg.mode === "http" ? S.wifiUp : S.mqUp && S.bridgeUp, slot, cmd;
  if (byUser && S.pending) return log("busy, " + action + " ignored");
  if (!can) return log("offline, " + action + " dropped");
  cmd = { action: action, device: cfg.device, id: S.boardId + "-" + S.nonce + "-" + (++S.seq) };
  slot = { id: cmd.id };
  slot.timer = setTimeout(function () { replyTimedOut(slot); }, cfg.timing.replyTimeoutMs);
  if (byUser) S.pending = slot;
  else {
    if (S.probe) clearTimeout(S.probe.timer);
    S.probe = slot;
  }
  if (cfg.mode === "http") httpRequest(cmd, byUser);
  else S.mq.publish(TOPIC.command, JSON.stringify(cmd));
  refreshLed();
}

function replyTimedOut(slot) {
  if (S.pending === slot) S.pending = null;
  else if (S.probe === slot) S.probe = null;
  else return;
  S.failed = true;
  log("no reply to " + slot.id);
  refreshLed();
}

/* Closes the pending press or probe with this id; true when it was ours. */
function settle(id, ok) {
  var slot = null;
  if (S.pending && S.pending.id === id) slot = S.pending;
  else if (S.probe && S.probe.id === id) slot = S.probe;
  if (!slot) return false;
  clearTimeout(slot.timer);
  if (slot === S.pending) S.pending = null;
  else S.probe = null;
  S.failed = !ok;
  return true;
}

/* Applies one status object from the bridge; other plugs' statuses are ignored. */
function onStatus(m) {
  if (!m || typeof m !== "object") return;
  var mine = typeof m.id === "string" && settle(m.id, m.status === "ok");
  if (m.status === "error" && mine && m.error) log("command failed: " + m.error.code);
  if (m.device === cfg.device) {
    if (m.state === "ON" || m.state === "OFF") S.plugOn = m.state === "ON";
    if (m.online === true || m.online === false) S.plugOnline = m.online;
  } else if (!mine) return;
  refreshLed();
}

/* A link went down: the pending press will never be answered. */
function abandonRequests() {
  if (S.pending) { clearTimeout(S.pending.timer); S.pending = null; S.failed = true; }
  if (S.probe) { clearTimeout(S.probe.timer); S.probe = null; }
}

/* ---- button ---------------------------------------------------------- */

/* The button pulls the pin low. A release before longPressMs is a toggle; holding asks for status. */
function onButton(e) {
  if (!e.state) {
    if (S.holdTimer) clearTimeout(S.holdTimer);
    S.holdTimer = setTimeout(function () {
      S.holdTimer = undefined;
      request("status", true);
    }, cfg.timing.longPressMs);
  } else if (S.holdTimer) {
    clearTimeout(S.holdTimer);
    S.holdTimer = undefined;
    request("toggle", true);
  }
}

/* ---- MQTT ------------------------------------------------------------ */

/* One MQTT client object per attempt, so late events of an abandoned one are ignored. */
function mqttStart() {
  S.mqTimer = undefined;
  if (!S.wifiUp || S.mq) return;
  var c = require("MQTT").create(cfg.mqtt.host, {
    port: cfg.mqtt.port, client_id: S.boardId, keep_alive: cfg.mqtt.keepAlive,
    username: cfg.mqtt.username, password: cfg.mqtt.password
  });
  S.mq = c;
  c.on("connected", function () { if (S.mq === c) mqttUp(c); });
  c.on("disconnected", function () { if (S.mq === c) mqttDown(); });
  c.on("publish", function (p) { if (S.mq === c) mqttMessage(p); });
  c.on("error", function (e) { log("mqtt: " + e); });
  c.connect();
}

function mqttUp(c) {
  S.mqUp = true;
  S.mqUpAt = getTime();
  S.bridgeUp = true;
  c.subscribe(TOPIC.status);
  c.subscribe(TOPIC.bridge);
  /* QoS 1: Aedes can lose a retained QoS 0 publish for live subscribers when the next publish
     arrives in the same TCP read; the module sends QoS 1 once, without retransmission */
  c.publish(TOPIC.availability, "online", { retain: true, qos: 1 });
  /* the module reports a refused login as connected-then-closed, so trust it only once it lasts */
  S.mqStable = setTimeout(function () {
    S.mqStable = undefined;
    resetDelay(S.mqRetry);
    resetDelay(S.authRetry);
  }, cfg.timing.authFailWindowMs);
  log("mqtt: connected as " + S.boardId);
  refreshLed();
  request("status", false);
  telemetry();
}

function mqttDown() {
  var quick = S.mqUp && (getTime() - S.mqUpAt) * 1000 < cfg.timing.authFailWindowMs, wait;
  mqttDrop();
  if (!S.wifiUp) return refreshLed();
  wait = nextDelay(S.mqRetry);
  if (quick) wait = Math.max(wait, nextDelay(S.authRetry));
  log("mqtt: " + (quick ? "closed at once, login rejected?" : "down") + ", retry in " + wait + " ms");
  S.mqTimer = setTimeout(mqttStart, wait);
  refreshLed();
}

/* Forgets the current client (its late events are ignored) and any retry. */
function mqttDrop() {
  if (S.mqStable) clearTimeout(S.mqStable);
  if (S.mqTimer) clearTimeout(S.mqTimer);
  S.mqStable = S.mqTimer = undefined;
  S.mq = null;
  S.mqUp = false;
  abandonRequests();
}

function mqttMessage(p) {
  var m, was;
  if (p.topic === TOPIC.bridge) {
    was = S.bridgeUp;
    S.bridgeUp = p.message !== "offline";
    refreshLed();
    if (S.bridgeUp && !was) request("status", false);
    return;
  }
  if (p.topic !== TOPIC.status) return;
  try { m = JSON.parse(p.message); } catch (e) { return log("bad status JSON ignored"); }
  onStatus(m);
}

function telemetry() {
  if (!S.mqUp) return;
  var mem = process.memory(), f, v, t = {
    rssi: S.wifi.getDetails().rssi, mem_free: mem.free, mem_total: mem.total,
    uptime_s: Math.round(getTime() - S.bootTime)
  };
  /* analogRead is 0..1 of the ADC range: about 3.6 V at the default 11 dB attenuation */
  if (PIN.battery) {
    v = analogRead(PIN.battery) * cfg.battery.fullScale * cfg.battery.divider;
    t.battery_v = Math.round(v * 100) / 100;
  }
  try { f = E.getTemperature(); } catch (e) { f = NaN; } /* 2v25 builds had no sensor call */
  /* classic ESP32 reports Fahrenheit, and 128 (or NaN on some builds) when the sensor is dead */
  if (typeof f === "number" && f === f && f !== 128) t.chip_temp_c = Math.round((f - 32) / 0.18) / 10;
  S.mq.publish(TOPIC.telemetry, JSON.stringify(t));
}

/* ---- HTTP mode ------------------------------------------------------- */

/* Presses POST /api/control, probes GET /api/status; the reply timeout covers a hung request. */
function httpRequest(cmd, byUser) {
  var path = byUser ? "/api/control" : "/api/status?device=" + encodeURIComponent(cfg.device);
  var body = byUser ? JSON.stringify(cmd) : undefined, opts = url.parse(cfg.http.url + path);
  var answer = "", done = false;
  opts.method = byUser ? "POST" : "GET";
  if (body) opts.headers = { "Content-Type": "application/json", "Content-Length": body.length };
  function finish(err) {
    if (done) return;
    done = true;
    httpReply(cmd.id, err, answer);
  }
  try {
    var req = require("http").request(opts, function (res) {
      res.on("data", function (d) { answer += d; });
      res.on("close", function () { finish(""); });
      res.on("error", function (e) { finish(e.message || "response error"); });
    });
    req.on("error", function (e) { finish(e.message || "request error"); });
    req.end(body);
  } catch (e) {
    finish(e.message);
  }
}

function httpReply(id, err, body) {
  var m;
  if (!err) {
    try { m = JSON.parse(body); } catch (e) { err = "answer is not JSON"; }
  }
  if (err || !m || typeof m !== "object") {
    log("http: " + (err || "bad answer"));
    S.httpUp = false;
    settle(id, false);
    return refreshLed();
  }
  S.httpUp = true;
  m.id = id; /* GET /api/status answers without an id; tie the answer to the probe that asked */
  onStatus(m);
  refreshLed();
}

/* ---- Wi-Fi ----------------------------------------------------------- */

/* The ESP32 driver gives up after ~2 retries and never reconnects by itself. When the station
   is already connected (after load(), or restored at boot) only the callback runs, no event. */
function wifiConnect() {
  S.wifiTimer = undefined;
  log("wifi: connecting to " + cfg.wifi.ssid);
  S.wifi.connect(cfg.wifi.ssid, { password: cfg.wifi.password }, function (err) {
    if (err) wifiRetry(err);
    else wifiUp();
  });
}

/* The connect callback and the disconnected event can both report one failure: retry once. */
function wifiRetry(why) {
  if (S.wifiTimer || S.wifiUp) return;
  var wait = nextDelay(S.wifiRetry);
  log("wifi: " + why + ", retry in " + wait + " ms");
  S.wifiTimer = setTimeout(wifiConnect, wait);
}

function wifiUp() {
  if (S.wifiUp) return;
  if (S.wifiTimer) clearTimeout(S.wifiTimer);
  S.wifiTimer = undefined;
  S.wifiUp = true;
  resetDelay(S.wifiRetry);
  refreshLed();
  if (cfg.mode === "http") request("status", false);
  else mqttStart();
}

function wifiDown(details) {
  S.wifiUp = false;
  if (cfg.mode === "http") { S.httpUp = false; abandonRequests(); }
  else if (S.mq) {
    var c = S.mq;
    mqttDrop();
    try { c.disconnect(); } catch (e) { log("mqtt: " + e.message); }
  }
  refreshLed();
  wifiRetry((details && details.msg) || "disconnected");
}

/* ---- start ----------------------------------------------------------- */

function onInit() {
  /* a save() taken while running would otherwise restore duplicate timers and watches */
  clearWatch();
  clearInterval();
  S = { ledName: "", ledStep: 0, wifiUp: false, mqUp: false, httpUp: false, bridgeUp: true,
    plugOn: false, plugOnline: null, failed: false, pending: null, probe: null, seq: 0 };
  var r = readConfig(), pins = r.config ? r.config.pins : DEFAULTS.pins;
  PIN = { button: new Pin(pins.button), led: new Pin(pins.led) };
  PIN.battery = pins.battery ? new Pin(pins.battery) : null;
  pinMode(PIN.led, "output");
  if (r.error) {
    S.cfgError = true;
    log("config " + r.error);
    return refreshLed();
  }
  cfg = r.config;
  E.srand(E.hwRand());
  S.nonce = (E.hwRand() >>> 0).toString(36);
  S.boardId = "esp32-" + getSerial().replace(/[^0-9A-Za-z]/g, "").toLowerCase();
  S.bootTime = getTime();
  S.wifiRetry = backoff(cfg.timing.wifiRetryMinMs, cfg.timing.wifiRetryMaxMs);
  S.mqRetry = backoff(cfg.timing.mqttRetryMinMs, cfg.timing.mqttRetryMaxMs);
  S.authRetry = backoff(cfg.timing.authRetryMs, cfg.timing.authRetryMs * 10);
  var base = cfg.mqtt.baseTopic, own = base + "/esp32/" + S.boardId;
  TOPIC = { command: base + "/command", status: base + "/status", bridge: base + "/bridge/state",
    availability: own + "/availability", telemetry: own + "/telemetry" };
  pinMode(PIN.button, "input_pullup");
  setWatch(onButton, PIN.button, { repeat: true, edge: "both", debounce: cfg.timing.debounceMs });
  var poll = cfg.mode === "http" ? cfg.timing.httpPollMs : cfg.timing.statusPollMs;
  if (poll > 0) setInterval(function () { if (!S.probe) request("status", false); }, poll);
  if (cfg.mode === "mqtt" && cfg.timing.telemetryMs > 0) setInterval(telemetry, cfg.timing.telemetryMs);
  refreshLed();
  S.wifi = require("Wifi");
  S.wifi.removeAllListeners("connected");
  S.wifi.removeAllListeners("disconnected");
  S.wifi.on("connected", wifiUp);
  S.wifi.on("disconnected", wifiDown);
  wifiConnect();
}
