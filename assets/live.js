/* MiniFace live updates, on top of pages that work without JavaScript.
 *
 * One EventSource on /api/events per page (the session cookie authenticates
 * it). What arrives:
 *   message          -> a bubble in the open conversation (marked read when the
 *                       page is visible), the conversation list, the unread badge;
 *   friend_request   -> the pending-requests badge;
 *   friend_accepted  -> the online-friends list is fetched again;
 *   presence         -> online dots, the chat header, the online-friends list;
 *   notification     -> the bell's unread count (and a "miniface:notification"
 *                       DOM event with the notification, for other scripts).
 * The chat form sends through the JSON API (X-CSRF-Token) and stays on the page;
 * if the script cannot send, the form still posts the classic way.
 *
 * Everything user-written goes into the page with textContent, never as HTML,
 * and links are not made clickable. Loaded with `defer` from the layout, with
 * the viewer's username in data-me; no inline scripts (CSP).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var me = script ? (script.getAttribute("data-me") || "").toLowerCase() : "";
  if (!me || !window.EventSource || !window.fetch) return;

  var AVATAR_COLOURS = 8;   // handlers/pages/present.py AVATAR_COLOURS
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                "Nov", "Dec"];

  function lower(text) { return String(text || "").toLowerCase(); }

  function byUsername(selector, attribute, username) {
    var wanted = lower(username);
    return Array.prototype.filter.call(document.querySelectorAll(selector), function (el) {
      return lower(el.getAttribute(attribute)) === wanted;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // -- avatars: the same initials and colour as the server draws ----------------

  var CRC_TABLE = (function () {
    var table = [];
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table.push(c >>> 0);
    }
    return table;
  })();

  function crc32(text) {
    var bytes = new TextEncoder().encode(text);
    var crc = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  }

  function initials(name, username) {
    var words = String(name || "").split(/\s+/).filter(function (w) {
      return /^[\p{L}\p{N}]/u.test(w);
    });
    if (!words.length) return (username || "?").charAt(0).toUpperCase();
    var letters = words[0].charAt(0) + (words.length > 1 ? words[words.length - 1].charAt(0) : "");
    return letters.toUpperCase();
  }

  // The picture when the person has one, at the small size (the API's avatar_url is
  // the large one, NAME-256.ext; NAME-48.ext is the small one); initials otherwise.
  var AVATAR_URL = /^\/avatars\/([A-Za-z0-9_-]+)-256\.(png|jpg)$/;

  function avatar(user) {
    var match = AVATAR_URL.exec(String(user.avatar_url || ""));
    if (match) {
      var img = el("img", "avatar avatar--photo");
      img.src = "/avatars/" + match[1] + "-48." + match[2];
      img.alt = "";
      img.width = 48;
      img.height = 48;
      return img;
    }
    var span = el("span", "avatar avatar--c" + (crc32(lower(user.username)) % AVATAR_COLOURS),
                  initials(user.name, user.username));
    span.setAttribute("aria-hidden", "true");
    return span;
  }

  // -- times -------------------------------------------------------------------------

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function exactTime(date) {
    return date.getUTCDate() + " " + MONTHS[date.getUTCMonth()] + " " + date.getUTCFullYear() +
      ", " + pad(date.getUTCHours()) + ":" + pad(date.getUTCMinutes()) + " UTC";
  }

  function timeElement(className, iso) {
    var date = new Date(iso);
    var time = el("time", className);
    time.setAttribute("datetime", iso);
    time.setAttribute("title", exactTime(date));
    time.setAttribute("data-relative", "");
    time.textContent = window.MiniFace ? window.MiniFace.relativeTime(date, Date.now()) : "just now";
    return time;
  }

  // -- badges ------------------------------------------------------------------------

  function badgeCount(name) {
    var number = document.querySelector('[data-badge="' + name + '"] [data-badge-count]');
    return number ? parseInt(number.textContent, 10) || 0 : 0;
  }

  function bumpBadge(name, delta) {
    var count = Math.max(0, badgeCount(name) + delta);
    if (window.MiniFace) {
      window.MiniFace.setBadge(name, count);
      return;
    }
    document.querySelectorAll('[data-badge="' + name + '"]').forEach(function (badge) {
      badge.querySelector("[data-badge-count]").textContent = String(count);
      badge.hidden = !count;
    });
  }

  // -- the open conversation ------------------------------------------------------------

  var chat = document.querySelector("[data-chat]");
  var chatWith = chat ? lower(chat.getAttribute("data-chat")) : "";
  var bubbles = document.querySelector("[data-bubbles]");
  var unseen = 0;   // messages from chatWith that arrived while the page was hidden

  function otherSide(message) {
    return lower(message.from) === me ? message.to : message.from;
  }

  function bubble(message) {
    var mine = lower(message.from) === me;
    var item = el("li", "bubble is-new" + (mine ? " bubble--mine" : ""));
    item.id = "m-" + message.id;
    item.setAttribute("data-message-id", String(message.id));
    item.appendChild(el("span", "visually-hidden", (mine ? "You" : message.from) + ": "));
    item.appendChild(el("p", "bubble__text", message.body));
    item.appendChild(timeElement("bubble__time", message.created_at));
    return item;
  }

  function showMessage(message) {
    if (!bubbles || document.getElementById("m-" + message.id)) return false;
    // Keep id order even if an echo overtakes a reply.
    var later = Array.prototype.find.call(bubbles.children, function (item) {
      return Number(item.getAttribute("data-message-id")) > message.id;
    });
    bubbles.insertBefore(bubble(message), later || null);
    var empty = document.querySelector("[data-chat-empty]");
    if (empty) empty.hidden = true;
    scrollToNewest();
    return true;
  }

  function scrollToNewest() {
    var last = bubbles && bubbles.lastElementChild;
    if (last) last.scrollIntoView({ block: "end" });
  }

  function markRead() {
    // Reading the conversation through the API marks it read (API.md).
    return fetch("/api/messages/" + encodeURIComponent(chatWith) + "?limit=1",
                 { credentials: "same-origin" });
  }

  function catchUp() {
    if (!chatWith || !bubbles) return;
    fetch("/api/messages/" + encodeURIComponent(chatWith) + "?limit=50",
          { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : { messages: [] }; })
      .then(function (page) { page.messages.slice().reverse().forEach(showMessage); })
      .catch(function () { /* offline: the next reconnection tries again */ });
  }

  // -- the conversation list ------------------------------------------------------------

  function conversationLink(username) {
    return byUsername("[data-convo]", "data-convo", username)[0] || null;
  }

  function newConversationLink(username) {
    var list = document.querySelector("[data-convo-list]");
    if (!list) return null;
    var friend = document.querySelector('.convo--friend[href="/chat/' + username + '"]');
    var name = friend ? friend.querySelector(".convo__name").textContent : username;
    if (friend) friend.parentNode.remove();
    var link = el("a", "convo");
    link.href = "/chat/" + encodeURIComponent(username);
    link.setAttribute("data-convo", username);
    var pic = el("span", "convo__avatar");
    var photo = friend ? friend.querySelector("img.avatar--photo") : null;
    pic.appendChild(photo ? photo.cloneNode(false) : avatar({ username: username, name: name }));
    var main = el("span", "convo__main");
    var top = el("span", "convo__top");
    top.appendChild(el("span", "convo__name", name));
    var bottom = el("span", "convo__bottom");
    bottom.appendChild(el("span", "convo__last")).setAttribute("data-convo-last", "");
    var unread = el("span", "count convo__unread");
    unread.setAttribute("data-convo-unread", "");
    unread.appendChild(el("span", "", "0")).setAttribute("data-convo-unread-count", "");
    unread.appendChild(el("span", "visually-hidden", " unread"));
    unread.hidden = true;
    bottom.appendChild(unread);
    main.appendChild(top);
    main.appendChild(bottom);
    link.appendChild(pic);
    link.appendChild(main);
    var item = el("li");
    item.appendChild(link);
    list.hidden = false;
    var empty = document.querySelector("[data-convo-empty]");
    if (empty) empty.hidden = true;
    return list.insertBefore(item, list.firstChild).firstChild;
  }

  function updateConversation(message, countsAsUnread) {
    var other = otherSide(message);
    var link = conversationLink(other) || newConversationLink(other);
    if (!link) return;
    var last = link.querySelector("[data-convo-last]");
    last.textContent = (lower(message.from) === me ? "You: " : "") + message.body.split("\n")[0];
    var oldTime = link.querySelector("[data-convo-time]");
    var time = timeElement("convo__time", message.created_at);
    time.setAttribute("data-convo-time", "");
    if (oldTime) oldTime.replaceWith(time);
    else link.querySelector(".convo__top").appendChild(time);
    if (countsAsUnread) {
      var unread = link.querySelector("[data-convo-unread]");
      var count = unread.querySelector("[data-convo-unread-count]");
      count.textContent = String((parseInt(count.textContent, 10) || 0) + 1);
      unread.hidden = false;
    }
    var item = link.parentNode;
    item.parentNode.insertBefore(item, item.parentNode.firstChild);
  }

  // -- sending from the chat form ---------------------------------------------------

  function setUpSending() {
    var form = document.querySelector("[data-chat-form]");
    if (!form) return;
    var input = form.querySelector("textarea");
    var error = form.querySelector("[data-chat-error]");
    var button = form.querySelector("button[type=submit]");

    function fail(text) { error.textContent = text; error.hidden = false; }

    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
      }
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = input.value;
      if (!body.trim()) { fail("Not sent: write something."); input.focus(); return; }
      error.hidden = true;
      button.disabled = true;
      fetch("/api/messages/" + encodeURIComponent(chatWith), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json",
                   "X-CSRF-Token": form.querySelector('[name="csrf_token"]').value },
        body: JSON.stringify({ body: body })
      }).then(function (answer) {
        return answer.json().then(function (data) { return { ok: answer.ok, data: data }; });
      }).then(function (result) {
        if (!result.ok) {
          var fields = (result.data.error && result.data.error.fields) || {};
          fail("Not sent: " + (fields.body || result.data.error.message || "try again") + ".");
          return;
        }
        input.value = "";
        showMessage(result.data);
        updateConversation(result.data, false);
      }).catch(function () {
        fail("Not sent: MiniFace cannot be reached. Check your connection and try again.");
      }).then(function () {
        button.disabled = false;
        input.focus();
      });
    });
  }

  // -- presence and the online-friends list -------------------------------------------------

  function onlineItem(user) {
    var link = el("a", "mini-user");
    link.href = "/chat/" + encodeURIComponent(user.username);
    link.appendChild(avatar(user));
    link.appendChild(el("span", "", user.name));
    var dot = el("span", "dot dot--online");
    dot.setAttribute("aria-label", "online");
    link.appendChild(dot);
    var item = el("li");
    item.setAttribute("data-online-user", user.username);
    item.appendChild(link);
    return item;
  }

  function onlineList(create) {
    var card = document.querySelector("[data-online]");
    if (!card) return null;
    var list = card.querySelector("[data-online-list]");
    if (!list && create) {
      list = el("ul", "mini-list");
      list.setAttribute("data-online-list", "");
      card.appendChild(list);
    }
    return list;
  }

  function onlineMax() {
    var card = document.querySelector("[data-online]");
    return card ? parseInt(card.getAttribute("data-online"), 10) || 0 : 0;
  }

  function showOnlineEmpty() {
    var list = onlineList(false);
    var empty = document.querySelector("[data-online-empty]");
    var none = !list || !list.children.length;
    if (list) list.hidden = none;
    if (empty) empty.hidden = !none;
  }

  function setOnlineInList(user, online) {
    var list = onlineList(online);
    if (!list) return;
    Array.prototype.forEach.call(list.children, function (item) {
      var link = item.querySelector("a");
      var href = link ? lower(decodeURIComponent(link.getAttribute("href"))) : "";
      if (href === "/chat/" + lower(user.username)) item.remove();
    });
    if (online) {
      var items = Array.prototype.slice.call(list.children);
      var after = items.find(function (item) {
        var name = item.querySelector(".mini-user > span:nth-child(2)");
        return name && name.textContent.localeCompare(user.name) > 0;
      });
      list.insertBefore(onlineItem(user), after || null);
      // The box shows the first few by name, as the page did (data-online="N").
      var max = onlineMax();
      while (max && list.children.length > max) list.lastElementChild.remove();
    }
    showOnlineEmpty();
  }

  function setPresence(user, online) {
    byUsername("[data-online-dot]", "data-online-dot", user.username).forEach(function (dot) {
      dot.hidden = !online;
    });
    byUsername("[data-presence-status]", "data-presence-status", user.username)
      .forEach(function (status) {
        status.textContent = online ? "Online" : "Offline";
        status.classList.toggle("chat__status--online", online);
      });
    setOnlineInList(user, online);
  }

  function refreshOnlineList() {
    if (!document.querySelector("[data-online]")) return;
    var max = onlineMax();
    fetch("/api/friends/online" + (max ? "?limit=" + max : ""), { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (data) {
        if (!data) return;
        var list = onlineList(data.online.length > 0);
        if (list) {
          list.textContent = "";
          data.online.forEach(function (user) { list.appendChild(onlineItem(user)); });
        }
        showOnlineEmpty();
      })
      .catch(function () { /* offline: the next reconnection tries again */ });
  }

  // -- the event stream ------------------------------------------------------------------------

  function onMessage(message) {
    var incoming = lower(message.to) === me && lower(message.from) !== me;
    var here = chatWith && lower(otherSide(message)) === chatWith;
    if (here) showMessage(message);
    var seen = here && document.visibilityState === "visible";
    if (incoming && seen) markRead();
    if (incoming && here && !seen) unseen += 1;
    if (incoming && !seen) bumpBadge("messages", 1);
    updateConversation(message, incoming && !seen);
  }

  function onVisible() {
    if (document.visibilityState !== "visible" || !unseen) return;
    var count = unseen;
    unseen = 0;
    markRead().then(function () {
      bumpBadge("messages", -count);
      var link = conversationLink(chatWith);
      if (link) link.querySelector("[data-convo-unread]").hidden = true;
    });
  }

  function onNotification(note) {
    if (!note.read) bumpBadge("notifications", 1);
    document.dispatchEvent(new CustomEvent("miniface:notification", { detail: note }));
  }

  function refreshBell() {
    fetch("/api/notifications?limit=1", { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (data) {
        if (data && window.MiniFace) window.MiniFace.setBadge("notifications", data.unread);
      })
      .catch(function () { /* offline: the next reconnection tries again */ });
  }

  function listen() {
    var source = new EventSource("/api/events");
    var opened = false;
    function on(name, handler) {
      source.addEventListener(name, function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        handler(data);
      });
    }
    on("message", onMessage);
    on("presence", function (data) { setPresence(data.user, data.online); });
    on("friend_request", function () { bumpBadge("requests", 1); });
    on("friend_accepted", refreshOnlineList);
    on("notification", onNotification);
    source.addEventListener("open", function () {
      // After a reconnection, fetch what may have been missed meanwhile.
      if (opened) { catchUp(); refreshOnlineList(); refreshBell(); }
      opened = true;
      document.documentElement.setAttribute("data-live", "on");
    });
  }

  // Shared with social.js (loaded after this file): the same avatars and times.
  window.MiniFaceLive = { avatar: avatar, timeElement: timeElement, el: el };

  function start() {
    if (bubbles) scrollToNewest();
    setUpSending();
    document.addEventListener("visibilitychange", onVisible);
    listen();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
