/* The chat page: mounts the rasa-webchat widget (served locally from web/node_modules),
   links an invite code, and fills the widget's accessibility gaps (labels, keyboard
   access to the answer buttons, a live region for new messages). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("chat-config").textContent);
  var statusEl = document.getElementById("chat-status");
  var form = document.getElementById("code-form");
  var input = document.getElementById("invite-code");
  var errorEl = document.getElementById("code-error");
  var mount = document.getElementById("webchat");
  var widget = null;
  var connected = false;

  // The page's words, in the page's language (cbt_content/<lang>/messages.yaml).
  function text(key) {
    return (config.texts && config.texts[key]) || key;
  }

  function setStatus(words) {
    statusEl.textContent = words;
  }

  if (!window.WebChat || typeof window.WebChat.default !== "function") {
    setStatus(text("web_js_load_failed"));
    return;
  }

  // A code from the link (?code=...) is sent once, as the first message of a new chat;
  // take it out of the address so a reload or a shared screenshot does not show it.
  if (config.inviteCode && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }

  window.WebChat.default({
    socketUrl: config.socketUrl,
    socketPath: config.socketPath,
    initPayload: config.initPayload,
    customData: { language: config.language },
    title: config.practice,
    subtitle: text("web_js_subtitle"),
    inputTextFieldHint: text("web_js_hint"),
    connectingText: text("web_js_connecting"),
    embedded: true,
    withRules: false,
    hideWhenNotConnected: false,
    showCloseButton: false,
    params: { storage: "local" },
    customMessageDelay: function (message) {
      return Math.min(1200, 250 + (message ? message.length : 0) * 6);
    },
    onSocketEvent: {
      connect: function () {
        connected = true;
        setStatus(text("web_js_connected"));
      },
      disconnect: function () {
        connected = false;
        setStatus(text("web_js_lost"));
      },
      connect_error: function () {
        connected = false;
        setStatus(text("web_js_unreachable"));
      }
    },
    innerRef: function (element) {
      widget = element;
    }
  }, mount);

  function normalise(code) {
    return code.replace(/\s+/g, "").toUpperCase();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = normalise(input.value);
    errorEl.textContent = "";
    input.removeAttribute("aria-invalid");
    if (!/^[A-Z0-9-]{4,20}$/.test(code)) {
      errorEl.textContent = text("web_js_bad_code");
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    if (!widget || !widget.sendMessage || !connected) {
      errorEl.textContent = text("web_js_not_connected");
      return;
    }
    // The same message a Telegram deep link sends; the second argument is what the
    // chat shows as the patient's message.
    widget.sendMessage("/start " + code, text("web_js_my_code").replace("{code}", code));
    codeSent = true;
    input.value = "";
    var box = mount.querySelector(".rw-new-message");
    if (box) { box.focus(); }
  });

  // ---- accessibility of the widget's own markup ----
  function label(el, text) {
    if (el && !el.getAttribute("aria-label")) { el.setAttribute("aria-label", text); }
  }

  function onKeyActivate(event) {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      event.currentTarget.click();
    }
  }

  function patch() {
    label(mount.querySelector(".rw-new-message"), text("web_js_message"));
    label(mount.querySelector(".rw-send"), text("web_js_send"));
    var log = mount.querySelector(".rw-messages-container");
    if (log && !log.getAttribute("role")) {
      log.setAttribute("role", "log");
      log.setAttribute("aria-live", "polite");
      log.setAttribute("aria-label", text("web_js_conversation"));
      log.setAttribute("tabindex", "0");
    }
    var replies = mount.querySelectorAll(".rw-reply:not([data-a11y])");
    for (var i = 0; i < replies.length; i++) {
      var r = replies[i];
      r.setAttribute("data-a11y", "1");
      if (r.tagName !== "A" && r.tagName !== "BUTTON") {
        r.setAttribute("role", "button");
        r.setAttribute("tabindex", "0");
        r.addEventListener("keydown", onKeyActivate);
      }
    }
  }

  // ---- once this chat is linked, the invite-code box is not needed any more ----
  // Asked when the page opens, and after a code was sent until the answer is yes:
  // not on every change of the widget.
  var linked = false;
  var asking = false;
  var codeSent = Boolean(config.inviteCode);
  function sessionId() {
    try {
      var s = JSON.parse(window.localStorage.getItem("chat_session") || "null");
      return s && s.session_id;
    } catch (e) { return null; }
  }
  function checkLinked() {
    var id = sessionId();
    if (linked || asking || !id || !window.fetch) { return; }
    asking = true;
    window.fetch("/linked?session=" + encodeURIComponent(id), { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : { linked: false }; })
      .then(function (data) {
        if (data && data.linked) {
          linked = true;
          form.hidden = true;
          document.getElementById("linked-note").hidden = false;
        }
      })
      .catch(function () {})
      .then(function () { asking = false; });
  }

  new MutationObserver(function () { patch(); if (codeSent) { checkLinked(); } })
    .observe(mount, { childList: true, subtree: true });
  patch();
  checkLinked();
})();
