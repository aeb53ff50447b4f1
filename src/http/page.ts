/**
 * The web page at /: every plug with its state, readings and buttons, using
 * only the HTTP API (so it needs the same token when one is set). Kept as one
 * self-contained document with no build step and nothing fetched from elsewhere.
 */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tuya plugs</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5rem; background: #f6f7f9; color: #1d2330; }
  h1 { font-size: 1.4rem; margin: 0 0 1rem; }
  #plugs { display: grid; gap: 0.8rem; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); }
  .plug { background: #fff; border-radius: 0.6rem; padding: 1rem; box-shadow: 0 1px 3px #0002; }
  .plug h2 { font-size: 1.1rem; margin: 0 0 0.4rem; }
  .state { font-weight: 700; }
  .state.on { color: #0a7d28; } .state.off { color: #6b7280; } .offline { color: #b42318; }
  .readings { font-size: 0.9rem; color: #4b5563; margin: 0.4rem 0; min-height: 1.2em; }
  button { font-size: 1rem; padding: 0.4rem 0.9rem; margin-right: 0.3rem; border-radius: 0.4rem; border: 1px solid #c4c9d2; background: #fff; cursor: pointer; }
  button:disabled { opacity: 0.5; }
  #message { margin-top: 1rem; color: #b42318; min-height: 1.2em; }
  #token { display: none; margin-bottom: 1rem; }
</style>
</head>
<body>
<h1>Tuya plugs</h1>
<form id="token"><label>API token <input id="token-input" type="password" autocomplete="off"></label> <button>Use</button></form>
<div id="plugs" aria-live="polite"></div>
<p id="message" role="status"></p>
<script>
"use strict";
const plugsEl = document.getElementById("plugs");
const messageEl = document.getElementById("message");
const tokenForm = document.getElementById("token");
let token = sessionStorage.getItem("bridge-token") || "";
// A failed command's message stays until the next command; a lost connection's until it is back.
let connectionProblem = false;

function tell(message, aboutConnection) {
  messageEl.textContent = message;
  connectionProblem = aboutConnection;
}

function headers() {
  const h = { "content-type": "application/json" };
  if (token) h.authorization = "Bearer " + token;
  return h;
}

function text(tag, content, className) {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className) el.className = className;
  return el;
}

function readings(plug) {
  const parts = [];
  if (typeof plug.power === "number") parts.push(plug.power + " W");
  if (typeof plug.voltage === "number") parts.push(plug.voltage + " V");
  if (typeof plug.current === "number") parts.push(plug.current + " A");
  if (typeof plug.energy === "number") parts.push(plug.energy + " kWh");
  return parts.join(" · ");
}

function render(plugs) {
  plugsEl.replaceChildren();
  for (const plug of plugs) {
    const card = document.createElement("section");
    card.className = "plug";
    card.dataset.device = plug.device;
    card.appendChild(text("h2", plug.device));
    const word = plug.state === null ? "unknown" : plug.state;
    const state = text("div", word, "state " + (plug.state === "ON" ? "on" : "off"));
    if (plug.online === false) state.appendChild(text("span", " (offline)", "offline"));
    card.appendChild(state);
    card.appendChild(text("div", readings(plug), "readings"));
    for (const action of ["on", "off", "toggle"]) {
      const button = text("button", action === "toggle" ? "Toggle" : action.toUpperCase());
      button.dataset.action = action;
      button.addEventListener("click", () => control(plug.device, action, card));
      card.appendChild(button);
    }
    plugsEl.appendChild(card);
  }
}

async function refresh() {
  try {
    const response = await fetch("/api/status", { headers: headers() });
    if (response.status === 401) {
      tokenForm.style.display = "block";
      tell("This bridge needs its API token.", true);
      return;
    }
    const body = await response.json();
    render(body.plugs || []);
    if (connectionProblem) tell("", false);
  } catch (err) {
    tell("Cannot reach the bridge: " + err.message, true);
  }
}

async function control(device, action, card) {
  for (const button of card.querySelectorAll("button")) button.disabled = true;
  try {
    const response = await fetch("/api/control", { method: "POST", headers: headers(), body: JSON.stringify({ action, device }) });
    const reply = await response.json();
    tell(reply.status === "ok" ? "" : device + ": " + reply.error.message, false);
  } catch (err) {
    tell("Cannot reach the bridge: " + err.message, true);
  }
  await refresh();
}

tokenForm.addEventListener("submit", (event) => {
  event.preventDefault();
  token = document.getElementById("token-input").value.trim();
  sessionStorage.setItem("bridge-token", token);
  tokenForm.style.display = "none";
  refresh();
});

refresh();
setInterval(refresh, 5000);
</script>
</body>
</html>
`;
